"""Request id and client IP for audit rows, kept in a ContextVar for the request's duration."""

import ipaddress
import re
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from cgii.auditoria.contexto import ContextoSolicitud, establecer, restablecer

CABECERA_ID = "X-Request-ID"
# A UUID or an opaque token from a trusted gateway; anything else (too long, spaces, control
# characters that could forge log lines) is replaced by a fresh uuid4.
_ID_VALIDO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

_Red = ipaddress.IPv4Network | ipaddress.IPv6Network
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class ContextoSolicitudMiddleware:
    """Sets the request id (echoed as ``X-Request-ID``) and client IP for the request.

    Works in both sync and async chains so that it never forces a thread switch under ASGI.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.asincrono = iscoroutinefunction(get_response)
        if self.asincrono:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.asincrono:
            return self.__acall__(request)
        token = establecer(_contexto(request))
        try:
            response = self.get_response(request)
        finally:
            restablecer(token)
        response[CABECERA_ID] = request.id_solicitud
        return response

    async def __acall__(self, request: HttpRequest):
        token = establecer(_contexto(request))
        try:
            response = await self.get_response(request)
        finally:
            restablecer(token)
        response[CABECERA_ID] = request.id_solicitud
        return response


def _contexto(request: HttpRequest) -> ContextoSolicitud:
    request.id_solicitud = id_solicitud(request)
    return ContextoSolicitud(request_id=request.id_solicitud, ip=ip_cliente(request))


def id_solicitud(request: HttpRequest) -> str:
    entrante = request.headers.get(CABECERA_ID, "")
    if _ID_VALIDO.fullmatch(entrante):
        return entrante
    return str(uuid.uuid4())


def ip_cliente(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the X-Forwarded-For hop just before our trusted proxies.

    X-Forwarded-For is read right to left: each trusted proxy appended the address it saw,
    while everything left of the first untrusted hop was written by the client and may be
    forged. A malformed hop stops the walk at the last address we can vouch for.
    """
    remoto = _ip(request.META.get("REMOTE_ADDR") or "")
    if remoto is None:
        return None
    confiables = _proxies_confiables()
    if not _es_confiable(remoto, confiables):
        return str(remoto)
    cliente = remoto
    for salto in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        ip = _ip(salto)
        if ip is None:
            break
        cliente = ip
        if not _es_confiable(ip, confiables):
            break
    return str(cliente)


def _ip(valor: str) -> _IP | None:
    try:
        return ipaddress.ip_address(valor.strip())
    except ValueError:
        return None


def _proxies_confiables() -> list[_Red]:
    # Read on every request (a handful of entries) so override_settings and reloads apply.
    try:
        return [ipaddress.ip_network(red, strict=False)
                for red in getattr(settings, "CGII_PROXIES_CONFIABLES", [])]
    except ValueError as exc:
        raise ImproperlyConfigured(f"CGII_PROXIES_CONFIABLES: {exc}") from exc


def _es_confiable(ip: _IP, redes: list[_Red]) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == red.version and ip in red for red in redes)
