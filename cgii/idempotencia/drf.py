"""``@idempotente`` for the handlers of writing POSTs (DRF ``APIView`` methods).

Runs after DRF's authentication and permission checks (it wraps the handler). Without the
``Idempotency-Key`` header the handler runs exactly as before (no query, no transaction).
With it, in one transaction: reserve the key (services.clave_reservar), run the handler,
then by the outcome —

- 2xx: store the status, the rendered JSON body and ``Location``; commit with the handler's
  writes. The same key and request later get that response again, with
  ``Idempotent-Replayed: true``.
- 4xx (a returned response or a client error raised: domain errors, DRF's, 404, 403): forget
  the key and commit, so whatever the handler deliberately recorded on refusal is kept as
  without a key (the STIX import keeps a rejected bundle's report) and a retry runs again.
- anything else (5xx, an unexpected exception, a worker dying): roll everything back, the
  key included — nothing half-stored, and the retry can succeed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import orjson
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from cgii.errores import ErrorDominio

from . import services
from .huella import clave_de, huella_de

CABECERA_REPETIDA = "Idempotent-Replayed"
CABECERAS_GUARDADAS = ("Location",)
_ERRORES_DEL_CLIENTE = (ErrorDominio, Http404, PermissionDenied, DjangoValidationError)
_ACTIVA = "_cgii_idempotencia"


def _repetir(fila) -> Response:
    datos = orjson.loads(fila.cuerpo) if fila.cuerpo is not None else None
    return Response(datos, status=fila.codigo,
                    headers={**(fila.cabeceras or {}), CABECERA_REPETIDA: "true"})


def _guardar(fila_id: int, respuesta) -> None:
    if not isinstance(respuesta, Response):
        raise TypeError("@idempotente solo admite manejadores que devuelven una Response "
                        "de DRF.")
    cuerpo = None
    if respuesta.data is not None:
        # The same renderer and settings as the response itself: replaying the parsed
        # text renders the same bytes again.
        cuerpo = JSONRenderer().render(respuesta.data).decode()
    cabeceras = {c: respuesta[c] for c in CABECERAS_GUARDADAS if respuesta.has_header(c)}
    services.clave_guardar_respuesta(fila_id=fila_id, codigo=respuesta.status_code,
                                     cuerpo=cuerpo, cabeceras=cabeceras)


def _olvidar(fila_id: int) -> None:
    try:
        services.clave_liberar(fila_id=fila_id)
    except DatabaseError:
        # The handler left the transaction unusable: then nothing of it can be kept.
        transaction.set_rollback(True)


def _del_cliente(exc: Exception) -> bool:
    """Raised errors the API answers with a 4xx (cgii.api.manejador_excepciones)."""
    if isinstance(exc, APIException):
        return exc.status_code < 500
    if isinstance(exc, ErrorDominio):
        return exc.status < 500
    return isinstance(exc, _ERRORES_DEL_CLIENTE)


def _ejecutar(handler, vista, request, args, kwargs, *, clave: str, huella: str):
    error = None
    with transaction.atomic():
        reserva = services.clave_reservar(usuario=request.user, clave=clave, huella=huella,
                                          metodo=request.method, ruta=request.path)
        if not reserva.nueva:
            return _repetir(reserva.fila)
        setattr(request, _ACTIVA, True)
        try:
            respuesta = handler(vista, request, *args, **kwargs)
        except Exception as exc:
            if not _del_cliente(exc):
                raise  # out of the atomic block: everything rolls back
            error = exc
            _olvidar(reserva.fila_id)
        else:
            codigo = getattr(respuesta, "status_code", 500)
            if 200 <= codigo < 300:
                _guardar(reserva.fila_id, respuesta)
            elif codigo < 500:
                _olvidar(reserva.fila_id)
            else:
                transaction.set_rollback(True)
    if error is not None:
        raise error  # after the commit; DRF's exception handler answers it
    return respuesta


def idempotente(handler: Callable | None = None, *, antes: Callable | None = None):
    """Decorate an APIView handler (``def post(self, request, ...)``).

    ``antes(request)``: the handler's own cheap refusal (a Content-Length limit), run before
    the body is read for the fingerprint so an oversized upload is refused unread as without
    a key. The handler runs it again; it must be idempotent and have no side effects.
    """

    def decorar(funcion):
        @functools.wraps(funcion)
        def envoltura(self, request, *args, **kwargs):
            if (request.META.get("HTTP_IDEMPOTENCY_KEY") is None
                    or getattr(request, _ACTIVA, False)
                    or not request.user.is_authenticated):
                return funcion(self, request, *args, **kwargs)
            clave = clave_de(request)
            if antes is not None:
                antes(request)
            return _ejecutar(funcion, self, request, args, kwargs, clave=clave,
                             huella=huella_de(request))

        envoltura.idempotente = True  # read by esquema.EsquemaAPI
        return envoltura

    return decorar(handler) if handler is not None else decorar
