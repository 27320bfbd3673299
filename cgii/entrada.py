"""Input hygiene for every endpoint: hostile input gets a clear 4xx, never a 500.

An outside test (issue 16) found ten distinct 500s from input no form would send. Rather
than patching each view, the rules live here, applied to every request:

- ``EntradaMiddleware`` (in ``MIDDLEWARE``):
  * a NUL byte in a query parameter, or in an HTML form field, is refused (400) — PostgreSQL
    text cannot hold one, so it could only ever fail later;
  * a body sent without ``Content-Length`` (chunked transfer) gets its real length in
    ``CONTENT_LENGTH`` (the ASGI handler has spooled it already), so the size checks of
    uploads apply to it (413) instead of the multipart parser seeing "no file";
  * a 404/405 of an ``/api/`` address no view handled (Django's resolver) is answered
    with the API's JSON error body, not an HTML page;
  * as a last line, exceptions that can only come from the input are answered 4xx:
    ``RequestDataTooBig`` → 413, ``TooManyFieldsSent`` → 400, ``DataError`` (a value the
    database refuses: an integer out of range, a NUL byte) → 400, and a domain error
    (``ErrorDominio``) escaping an HTML view → its own status.
- ``ParserJSON`` (``DEFAULT_PARSER_CLASSES`` and the views that name their parsers): JSON
  bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` → 413, nested deeper than
  ``JSON_PROFUNDIDAD_MAXIMA`` (a 5,000-level body raised RecursionError) or holding a NUL
  character in any string or key → 400. ``cargar_json`` is the same for views that read a
  body themselves (TAXII).
- ``fecha_parametro``: a date/time query parameter, with an impossible date (2026-13-45,
  0000-00-00) a 400 on that parameter instead of a ValueError.

API paths (``/api/``) answer the API's error body ``{"message", "extra"}``; TAXII paths their
own error object; pages a short HTML page. Messages are Spanish.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from cgii.errores import ArchivoDemasiadoGrande, ErrorDominio, ErrorValidacion

log = logging.getLogger(__name__)

JSON_PROFUNDIDAD_MAXIMA = 64
NUL = "\x00"
_METODOS_CON_CUERPO = ("POST", "PUT", "PATCH", "DELETE")


# ---- JSON -----------------------------------------------------------------------------------


class JSONNoAdmitido(ValueError):
    """A JSON document we refuse; ``str()`` is the Spanish reason."""


def revisar_json(datos, *, profundidad_maxima: int = JSON_PROFUNDIDAD_MAXIMA) -> None:
    """Raise JSONNoAdmitido for nesting deeper than allowed or a NUL in a string or key.
    Iterative: a deep document cannot exhaust the stack here."""
    pendientes = [(datos, 1)]
    while pendientes:
        valor, nivel = pendientes.pop()
        if isinstance(valor, str):
            if NUL in valor:
                raise JSONNoAdmitido(_("El texto contiene un carácter nulo (\\u0000), que no "
                                       "se admite."))
            continue
        if isinstance(valor, dict):
            hijos = list(valor.values())
            if any(NUL in k for k in valor):
                raise JSONNoAdmitido(_("Un nombre de campo contiene un carácter nulo "
                                       "(\\u0000), que no se admite."))
        elif isinstance(valor, list):
            hijos = valor
        else:
            continue
        if nivel > profundidad_maxima:
            raise JSONNoAdmitido(_("El JSON está anidado a más de %(n)d niveles.")
                                 % {"n": profundidad_maxima})
        pendientes.extend((h, nivel + 1) for h in hijos)


def cargar_json(contenido: bytes | str, *,
                profundidad_maxima: int = JSON_PROFUNDIDAD_MAXIMA):
    """Parse a JSON body (orjson: its own 1,024-level limit raises an error, not
    RecursionError) and check it with ``revisar_json``. JSONNoAdmitido on any problem."""
    try:
        datos = orjson.loads(contenido)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc).lower() or "depth" in str(exc).lower():
            raise JSONNoAdmitido(_("El JSON está anidado a más de %(n)d niveles.")
                                 % {"n": profundidad_maxima}) from None
        raise JSONNoAdmitido(_("El JSON no es válido: %(e)s") % {"e": exc}) from None
    revisar_json(datos, profundidad_maxima=profundidad_maxima)
    return datos


class ParserJSON(JSONParser):
    """DRF's JSON parser with a size limit (413), a nesting limit and no NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        maximo = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        contenido = stream.read(maximo + 1) if stream is not None else b""
        if maximo is not None and len(contenido) > maximo:
            raise ArchivoDemasiadoGrande(_("El cuerpo de la solicitud supera el tamaño máximo "
                                           "permitido."), extra={"maximo_bytes": maximo})
        if not contenido:
            raise ParseError(_("El cuerpo JSON está vacío."))
        try:
            return cargar_json(contenido)
        except JSONNoAdmitido as exc:
            raise ParseError(str(exc)) from None


# ---- dates in query parameters -----------------------------------------------------------------


def fecha_parametro(valor: str | None, nombre: str, *, con_hora: bool = True):
    """A date (AAAA-MM-DD) or, when ``con_hora``, an ISO 8601 date-time (aware; a bare date
    is midnight in La Paz). None when empty; ErrorValidacion on ``nombre`` when it is not a
    real date (format or calendar)."""
    if valor in (None, ""):
        return None
    texto = str(valor).strip()
    try:
        momento = parse_datetime(texto) if con_hora else None
        dia = None if momento is not None else parse_date(texto)
    except ValueError:
        momento = dia = None
    if momento is None and dia is None:
        formato = _("AAAA-MM-DD o ISO 8601") if con_hora else _("AAAA-MM-DD")
        raise ErrorValidacion(extra={nombre: [_("Fecha no válida (%(f)s).") % {"f": formato}]})
    if not con_hora:
        return dia
    if momento is None:
        momento = datetime(dia.year, dia.month, dia.day)
    if timezone.is_naive(momento):
        momento = timezone.make_aware(momento)
    return momento


def dia_parametro(valor: str | None, nombre: str) -> date | None:
    return fecha_parametro(valor, nombre, con_hora=False)


# ---- the middleware -----------------------------------------------------------------------------


def _es_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _es_taxii(request) -> bool:
    return request.path_info.startswith("/taxii2/")


def responder(request, estado: int, mensaje: str, extra: dict | None = None) -> HttpResponse:
    """The refusal in the shape the caller reads: API body, TAXII error, or a page."""
    if _es_api(request):
        return JsonResponse({"message": mensaje, "extra": extra or {}}, status=estado)
    if _es_taxii(request):
        return JsonResponse({"title": mensaje, "description": "", "http_status": str(estado)},
                            status=estado, content_type="application/taxii+json;version=2.1")
    return render(request, "entrada_rechazada.html", {"estado": estado, "mensaje": mensaje},
                  status=estado)


def _con_nul(datos) -> str | None:
    """The first parameter name (of a QueryDict) whose name or a value holds a NUL."""
    for clave, valores in datos.lists():
        if NUL in clave or any(NUL in v for v in valores if isinstance(v, str)):
            return clave.replace(NUL, "")
    return None


class EntradaMiddleware:
    """See the module docstring. After the session, CSRF and authentication middleware
    (a refused request still has its user for the page's header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rechazo = self._revisar(request)
        if rechazo is not None:
            return rechazo
        respuesta = self.get_response(request)
        if (respuesta.status_code in (404, 405) and _es_api(request)
                and not respuesta.get("Content-Type", "").startswith("application/json")):
            # An address no API route matches (Django's resolver, before any DRF view):
            # the API's error body, as every other API answer.
            mensaje = _("No encontrado.") if respuesta.status_code == 404 \
                else _("Método no permitido.")
            return JsonResponse({"message": mensaje, "extra": {}},
                                status=respuesta.status_code)
        return respuesta

    def _revisar(self, request):
        campo = _con_nul(request.GET)
        if campo is not None:
            return responder(request, 400, _("Un parámetro contiene un carácter nulo, que no "
                                             "se admite."), {campo: [_("Carácter nulo.")]})
        if request.method in _METODOS_CON_CUERPO:
            self._largo_real(request)
            if (not _es_api(request) and not _es_taxii(request)
                    and request.content_type in ("application/x-www-form-urlencoded",
                                                 "multipart/form-data")):
                campo = _con_nul(request.POST)
                if campo is not None:
                    return responder(request, 400, _("Un campo contiene un carácter nulo, que "
                                                     "no se admite."),
                                     {campo: [_("Carácter nulo.")]})
        return None

    @staticmethod
    def _largo_real(request) -> None:
        """A chunked body (no Content-Length) was spooled whole by the ASGI handler: give
        it its length, so upload limits apply (and Django's parsers see the body)."""
        if request.META.get("CONTENT_LENGTH") not in (None, ""):
            return
        flujo = getattr(request, "_stream", None)
        if flujo is None or not hasattr(flujo, "seek") or getattr(request, "_read_started",
                                                                    False):
            return
        try:
            flujo.seek(0, 2)
            largo = flujo.tell()
            flujo.seek(0)
        except (OSError, ValueError):
            return
        if largo:
            request.META["CONTENT_LENGTH"] = str(largo)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            maximo = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return responder(request, 413, _("El cuerpo de la solicitud supera el tamaño "
                                             "máximo permitido."), {"maximo_bytes": maximo})
        if isinstance(exception, TooManyFieldsSent):
            return responder(request, 400, _("La solicitud tiene demasiados campos."))
        if isinstance(exception, DataError):
            # Only input reaches the database as a value it refuses (the schema holds ours).
            log.info("Valor rechazado por la base de datos en %s: %s", request.path, exception)
            return responder(request, 400, _("Un valor enviado no es admisible (fuera de "
                                             "rango o con caracteres no permitidos)."))
        if isinstance(exception, ErrorDominio) and not _es_api(request):
            return responder(request, exception.status, exception.message, exception.extra)
        return None
