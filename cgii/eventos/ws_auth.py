"""Websocket handshake authentication.

Browsers authenticate with the session cookie and must come from an allowed Origin.
Non-browser clients (scripts, other CSIRT tools) may instead send
``Authorization: Token <key>`` in the handshake headers — never in the URL, where it would end
up in proxy logs. A token handshake needs no Origin: cookies are not involved, so there is no
cross-site risk to guard against.

The whole stack runs inside ``_guardia``: when the database or Redis is down (session and
user loading, token lookup, the consumer's ``group_add`` on the channel layer) or the
handshake is not answered in time, the client gets accept + close 4503 (like HTTP 503),
which the browser client retries, instead of daphne's HTTP 500 or a dropped handshake.
"""

import asyncio
import logging

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from rest_framework import exceptions

from cgii import indisponibilidad
from cgii.eventos.consumers import CODIGO_NO_AUTENTICADO

log = logging.getLogger(__name__)

# "Try again later", in the 4xxx range like the other codes (4401 ≈ HTTP 401...): RFC 6455's
# own 1013 cannot be sent through daphne (autobahn lets the application close only with 1000
# or 3000-4999; it turned 1013 into a 1011 internal error).
CODIGO_REINTENTAR = 4503
# Daphne drops a handshake not answered within its websocket_connect_timeout (5 s by
# default) with no close code at all; answer 4503 before that. While the database is down,
# loading the session waits up to the pool's timeout in Channels' one sync thread.
ESPERA_APERTURA = 4.0


def _cabecera(scope, nombre: bytes) -> bytes | None:
    for clave, valor in scope.get("headers", []):
        if clave.lower() == nombre:
            return valor
    return None


def _clave_token(scope) -> str | None:
    valor = _cabecera(scope, b"authorization")
    if not valor:
        return None
    partes = valor.split()
    if len(partes) != 2 or partes[0].lower() not in (b"token", b"bearer"):
        return ""
    try:
        return partes[1].decode("ascii")
    except UnicodeDecodeError:
        return ""


@database_sync_to_async
def _autenticar(clave: str):
    from cgii.entidades.autenticacion import autenticar_clave

    try:
        return autenticar_clave(clave)
    except exceptions.AuthenticationFailed:
        return None, None


class _Rechazo:
    """Accept, then close with 4401, so the client learns why (see FlujoConsumer)."""

    async def __call__(self, scope, receive, send):
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CODIGO_NO_AUTENTICADO})


class _Estado:
    conectado = aceptado = cerrado = False
    cerrado_por_guardia = False


async def _cerrar_reintentar(estado: _Estado, receive, send) -> None:
    """Accept (if nobody did) and close with 4503; later sends of the app are dropped.
    Nothing to do when the socket is already closed (by the app or the client)."""
    estado.cerrado_por_guardia = True
    if estado.cerrado:
        return
    if not estado.conectado and (await receive())["type"] != "websocket.connect":
        return  # the client left meanwhile
    if not estado.aceptado:
        await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CODIGO_REINTENTAR})


def _guardia(aplicacion):
    """ASGI wrapper: a database/Redis outage before or during the handshake (and after
    it, while the socket is open) closes with 4503 instead of raising into daphne."""

    async def guardada(scope, receive, send):
        estado = _Estado()
        contestado = asyncio.Event()

        async def recibir():
            mensaje = await receive()
            if mensaje["type"] == "websocket.connect":
                estado.conectado = True
            elif mensaje["type"] == "websocket.disconnect":
                estado.cerrado = True
            return mensaje

        async def enviar(mensaje):
            if estado.cerrado_por_guardia:
                return
            if mensaje["type"] == "websocket.accept":
                estado.aceptado = True
            elif mensaje["type"] == "websocket.close":
                estado.cerrado = True
            contestado.set()
            await send(mensaje)

        tarea = asyncio.ensure_future(aplicacion(scope, recibir, enviar))
        try:
            await _vigilar(tarea, contestado, estado, scope, receive, send)
        except asyncio.CancelledError:
            tarea.cancel()  # daphne gave up on the connection: so does the app
            raise

    return guardada


async def _vigilar(tarea, contestado, estado, scope, receive, send) -> None:
    espera = asyncio.ensure_future(contestado.wait())
    try:
        await asyncio.wait({tarea, espera}, timeout=ESPERA_APERTURA,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        espera.cancel()
    if not tarea.done() and not contestado.is_set():
        log.warning("Websocket %s: sin respuesta en %.0f s (¿base de datos o Redis caídos?); "
                    "se cierra con %d", scope.get("path"), ESPERA_APERTURA, CODIGO_REINTENTAR)
        await _cerrar_reintentar(estado, receive, send)
        tarea.cancel()
        # Returns once a database call already running in the sync thread ends (bounded
        # by the pool's timeout); calls still queued are dropped.
        await asyncio.wait({tarea})
        if not tarea.cancelled():
            tarea.exception()  # retrieved: it is the outage we just answered
        return
    try:
        await tarea
    except Exception as exc:
        servicio = indisponibilidad.causa(exc)
        if servicio is None:
            raise
        log.warning("Websocket %s: %s no disponible (%s: %s); se cierra con %d",
                    scope.get("path"), servicio, type(exc).__name__, str(exc)[:300],
                    CODIGO_REINTENTAR)
        await _cerrar_reintentar(estado, receive, send)


def pila_websocket(interna):
    """Token handshake → token auth; otherwise origin check + session auth; all of it
    under ``_guardia``."""
    por_sesion = AllowedHostsOriginValidator(AuthMiddlewareStack(interna))

    async def aplicacion(scope, receive, send):
        clave = _clave_token(scope)
        if clave is None:
            return await por_sesion(scope, receive, send)
        usuario, token = await _autenticar(clave) if clave else (None, None)
        if usuario is None:
            return await _Rechazo()(scope, receive, send)
        return await interna({**scope, "user": usuario, "token_api": token}, receive, send)

    return _guardia(aplicacion)
