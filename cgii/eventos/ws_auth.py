"""Websocket handshake authentication.

Browsers authenticate with the session cookie and must come from an allowed Origin.
Non-browser clients (scripts, other CSIRT tools) may instead send
``Authorization: Token <key>`` in the handshake headers — never in the URL, where it would end
up in proxy logs. A token handshake needs no Origin: cookies are not involved, so there is no
cross-site risk to guard against.
"""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from rest_framework import exceptions

from cgii.eventos.consumers import CODIGO_NO_AUTENTICADO


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


def pila_websocket(interna):
    """Token handshake → token auth; otherwise origin check + session auth."""
    por_sesion = AllowedHostsOriginValidator(AuthMiddlewareStack(interna))

    async def aplicacion(scope, receive, send):
        clave = _clave_token(scope)
        if clave is None:
            return await por_sesion(scope, receive, send)
        usuario, token = await _autenticar(clave) if clave else (None, None)
        if usuario is None:
            return await _Rechazo()(scope, receive, send)
        return await interna({**scope, "user": usuario, "token_api": token}, receive, send)

    return aplicacion
