"""Websocket skeleton: ``/ws/eventos/`` streams the outbox events a user may see.

Authentication and origin come from ``AllowedHostsOriginValidator(AuthMiddlewareStack)``
in ``cgii/asgi.py``; permission is decided on subscribe by ``selectors.grupos_de_usuario``.
The console issue extends this (replay from a last event id).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from cgii.eventos import despachador, selectors

# Application close codes (4000-4999): like HTTP 401, the client should log in again.
CODIGO_NO_AUTENTICADO = 4401
CAMPOS_EVENTO = ("id", "tipo", "datos", "creado")


def _grupos_permitidos(usuario, sesion) -> list[str] | None:
    """None when the session may not subscribe at all (staff without second factor)."""
    if not selectors.segundo_factor_cumplido(usuario, sesion):
        return None
    return selectors.grupos_de_usuario(usuario)


class EventosConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        usuario = self.scope.get("user")
        if usuario is None or not usuario.is_authenticated:
            await self.close(code=CODIGO_NO_AUTENTICADO)
            return
        grupos = await database_sync_to_async(_grupos_permitidos)(
            usuario, self.scope.get("session"))
        if grupos is None:
            await self.close(code=CODIGO_NO_AUTENTICADO)
            return
        if settings.EMBEBIDO:
            despachador.anotar_bucle_servidor()
        # self.groups is what the base class discards on disconnect.
        self.groups = grupos
        for grupo in self.groups:
            await self.channel_layer.group_add(grupo, self.channel_name)
        await self.accept()

    async def receive_json(self, content, **kwargs) -> None:
        """Clients have nothing to say yet (the console adds "replay from id")."""

    async def evento_enviar(self, mensaje: dict) -> None:
        evento = mensaje["evento"]
        await self.send_json({campo: evento[campo] for campo in CAMPOS_EVENTO})
