"""Websocket streams of outbox events.

``/ws/eventos/`` is a user's general stream (staff: every CGII event; entity users: their
entities' events; everyone: their own notifications). Domain apps subclass ``FlujoConsumer``
for narrower streams (the per-incident one lives in incidentes/consumers.py).

No silent gaps: every message carries ``secuencia``, its position in the stream (assigned by
the dispatcher in send order). A client connects with ``?desde=<last secuencia it saw>`` and
first receives, in order, what it missed (from the outbox), then a ``flujo.sincronizado``
marker, then live events; anything already replayed is not sent twice. Pages embed the
position current when they were rendered, so even the first connection misses nothing.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from cgii.eventos import despachador, selectors

# Application close codes (4000-4999), like HTTP 401/403.
CODIGO_NO_AUTENTICADO = 4401
CODIGO_REVOCADO = 4403
CODIGO_NO_ENCONTRADO = 4404
CAMPOS_EVENTO = ("id", "secuencia", "tipo", "datos", "creado")
TIPO_REVOCACION = "sesion.revocada"


def _grupos_permitidos(usuario, sesion, token) -> list[str] | None:
    """None when the session may not subscribe at all (staff without second factor)."""
    if token is None and not selectors.segundo_factor_cumplido(usuario, sesion):
        return None
    return selectors.grupos_de_usuario(usuario)


def _desde(scope) -> int | None:
    valores = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("desde")
    try:
        return max(int(valores[0]), 0) if valores else None
    except ValueError:
        return None


class FlujoConsumer(AsyncJsonWebsocketConsumer):
    ultimo: int = 0

    async def grupos_para(self, usuario) -> list[str] | None:
        """Groups this stream joins; None → refuse with CODIGO_NO_AUTENTICADO."""
        return await database_sync_to_async(_grupos_permitidos)(
            usuario, self.scope.get("session"), self.scope.get("token_api"))

    async def connect(self) -> None:
        usuario = self.scope.get("user")
        if usuario is None or not usuario.is_authenticated:
            await self._rechazar(CODIGO_NO_AUTENTICADO)
            return
        self.usuario = usuario
        token = self.scope.get("token_api")
        self.token_id = token.pk if token is not None else None
        grupos = await self.grupos_para(usuario)
        if grupos is None:
            await self._rechazar(getattr(self, "codigo_rechazo", CODIGO_NO_AUTENTICADO))
            return
        if settings.EMBEBIDO:
            despachador.anotar_bucle_servidor()
        # self.groups is what the base class discards on disconnect. Joined before the
        # replay: live messages queue meanwhile and are de-duplicated by position.
        self.groups = grupos
        for grupo in self.groups:
            await self.channel_layer.group_add(grupo, self.channel_name)
        await self.accept()
        desde = _desde(self.scope)
        if desde is not None:
            await self._repetir(desde)

    async def _rechazar(self, codigo: int) -> None:
        """Accept, then close with the code: a handshake refused before accept reaches
        browsers as a bare 1006 (daphne answers HTTP 403), hiding why."""
        await self.accept()
        await self.close(code=codigo)

    async def _repetir(self, desde: int) -> None:
        mensajes, completo = await database_sync_to_async(selectors.eventos_desde)(
            grupos_permitidos=self.groups, desde=desde)
        self.ultimo = desde
        for mensaje in mensajes:
            if mensaje["tipo"] != TIPO_REVOCACION:
                await self.send_json({campo: mensaje[campo] for campo in CAMPOS_EVENTO})
            self.ultimo = mensaje["secuencia"]
        # completo=False: more was missed than we replay; the client reloads its state.
        await self.send_json({"tipo": "flujo.sincronizado", "secuencia": self.ultimo,
                              "completo": completo})

    async def receive_json(self, content, **kwargs) -> None:
        """Clients only listen; resuming is done by reconnecting with ?desde=."""

    async def evento_enviar(self, mensaje: dict) -> None:
        evento = mensaje["evento"]
        secuencia = evento.get("secuencia")
        if secuencia is not None and secuencia <= self.ultimo:
            return  # already sent by the replay
        if evento["tipo"] == TIPO_REVOCACION:
            revocado = evento["datos"].get("token_id")
            if revocado is None or revocado == self.token_id:
                await self.close(code=CODIGO_REVOCADO)
            return
        if secuencia is not None:
            self.ultimo = secuencia
        await self.send_json({campo: evento.get(campo) for campo in CAMPOS_EVENTO})


class EventosConsumer(FlujoConsumer):
    """The general stream."""
