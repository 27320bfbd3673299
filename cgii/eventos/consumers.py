"""Websocket streams of outbox events.

``/ws/eventos/`` is a user's general stream (staff: every CGII event; entity users: their
entities' events; everyone: their own notifications). Domain apps subclass ``FlujoConsumer``
for narrower streams (the per-incident one lives in incidentes/consumers.py).

No lost events. Every event carries ``secuencia``, its position in the stream (committed by
the dispatcher before it is sent). The stream also tells the client its *position*: the
point up to which it has certainly received everything it may see. A client connects with
``?desde=<its position>`` and first receives, in order, what it missed (from the outbox),
then ``{"tipo": "flujo.sincronizado", "secuencia": <position>, "completo": bool}``, then
live events. Live delivery can lose a message (Redis restarted, a channel over capacity), so
the consumer checks its own delivery against the table shortly after activity and every
``EVENTOS_VERIFICACION_REPOSO`` seconds when idle: what it finds missing it sends (from the
table), then ``{"tipo": "flujo.posicion", "secuencia": <position>}``. Clients store only
these two markers' ``secuencia`` as their position (never an event's), and de-duplicate
events by ``id``. Pages embed the position current before they read their data.
"""

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from cgii.eventos import despachador, selectors

# Application close codes (4000-4999), like HTTP 401/403.
CODIGO_NO_AUTENTICADO = 4401
CODIGO_REVOCADO = 4403
CODIGO_NO_ENCONTRADO = 4404
# Not final: the client reconnects; a session still valid carries on, one that is not gets
# 4401 (password changed: the tab that changed it keeps its renewed session).
CODIGO_REAUTENTICAR = 4408
CAMPOS_EVENTO = ("id", "secuencia", "tipo", "datos", "creado")
TIPO_REVOCACION = "sesion.revocada"
TIPO_SINCRONIZADO = "flujo.sincronizado"
TIPO_POSICION = "flujo.posicion"

logger = logging.getLogger(__name__)


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
    posicion: int = 0
    _vigia: asyncio.Task | None = None

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
        sesion = self.scope.get("session") if token is None else None
        self.huella_sesion = selectors.huella_sesion(getattr(sesion, "session_key", None))
        grupos = await self.grupos_para(usuario)
        if grupos is None:
            await self._rechazar(getattr(self, "codigo_rechazo", CODIGO_NO_AUTENTICADO))
            return
        if settings.EMBEBIDO:
            despachador.anotar_bucle_servidor()
        # Positions above self.posicion already sent live (de-duplication, gap check).
        self.enviados: set[int] = set()
        self._cerrojo = asyncio.Lock()
        self._actividad = asyncio.Event()
        # self.groups is what the base class discards on disconnect. Joined before the
        # position is read: whatever is sent after it reaches us live.
        self.groups = grupos
        for grupo in self.groups:
            await self.channel_layer.group_add(grupo, self.channel_name)
        await self.accept()
        desde = _desde(self.scope)
        async with self._cerrojo:
            if desde is None:
                # Live only: exact from now on.
                self.posicion = await database_sync_to_async(selectors.secuencia_actual)()
            else:
                await self._repetir(desde)
        self._vigia = asyncio.ensure_future(self._vigilar())

    async def disconnect(self, code) -> None:
        if self._vigia is not None:
            self._vigia.cancel()
        await super().disconnect(code)

    async def _rechazar(self, codigo: int) -> None:
        """Accept, then close with the code: a handshake refused before accept reaches
        browsers as a bare 1006 (daphne answers HTTP 403), hiding why."""
        await self.accept()
        await self.close(code=codigo)

    async def _repetir(self, desde: int) -> None:
        """Everything missed since ``desde``, page after page, then the marker. Past
        EVENTOS_REPETICION_MAXIMA events the client is told to reload its state instead
        (which is then current as of the marker's position)."""
        leer = database_sync_to_async(selectors.eventos_desde)
        hasta, cursor, enviados = None, desde, 0
        while True:
            pagina = await leer(grupos_permitidos=self.groups, desde=cursor, hasta=hasta)
            hasta = pagina.hasta
            for mensaje in pagina.mensajes:
                # This connection was authenticated after any revocation it replays.
                if mensaje["tipo"] != TIPO_REVOCACION:
                    await self.send_json({campo: mensaje[campo] for campo in CAMPOS_EVENTO})
            enviados += len(pagina.mensajes)
            completo = pagina.completo
            if (completo or not pagina.mensajes
                    or enviados >= settings.EVENTOS_REPETICION_MAXIMA):
                break
            cursor = pagina.mensajes[-1]["secuencia"]
        self.posicion = hasta
        await self.send_json({"tipo": TIPO_SINCRONIZADO, "secuencia": self.posicion,
                              "completo": completo})

    async def receive_json(self, content, **kwargs) -> None:
        """Clients only listen; resuming is done by reconnecting with ?desde=."""

    async def evento_enviar(self, mensaje: dict) -> None:
        evento = mensaje["evento"]
        if evento["tipo"] == TIPO_REVOCACION:
            codigo = self._me_revoca(evento)
            if codigo is not None:
                await self.close(code=codigo)
            return
        secuencia = evento.get("secuencia")
        async with self._cerrojo:
            if secuencia is not None:
                if secuencia <= self.posicion or secuencia in self.enviados:
                    return  # replayed, or already recovered by the gap check
                self.enviados.add(secuencia)
            await self.send_json({campo: evento.get(campo) for campo in CAMPOS_EVENTO})
        self._actividad.set()

    def _me_revoca(self, evento: dict) -> int | None:
        """The close code if a revocation names this stream, else None (which streams a
        revocation names: cgii/entidades/revocacion.py)."""
        datos = evento["datos"]
        if datos.get("token_id") is not None:
            return CODIGO_REVOCADO if datos["token_id"] == self.token_id else None
        if datos.get("sesion"):
            nombrada = self.token_id is None and datos["sesion"] == self.huella_sesion
            return CODIGO_REVOCADO if nombrada else None
        if datos.get("alcance") == "sesiones":
            return CODIGO_REAUTENTICAR if self.token_id is None else None
        return CODIGO_REVOCADO

    # --- the gap check -------------------------------------------------------------------

    async def _vigilar(self) -> None:
        """Check delivery shortly after live activity (once per burst), and now and then
        when idle (a message lost with nothing after it)."""
        while True:
            try:
                await asyncio.wait_for(self._actividad.wait(),
                                       settings.EVENTOS_VERIFICACION_REPOSO)
                self._actividad.clear()
                await asyncio.sleep(settings.EVENTOS_VERIFICACION_SEGUNDOS)
            except TimeoutError:
                pass
            try:
                await self._verificar()
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. the database is down: live delivery goes on
                logger.warning("No se pudo verificar el flujo de %s", self.channel_name,
                               exc_info=True)

    async def _verificar(self) -> None:
        async with self._cerrojo:
            resultado = await database_sync_to_async(selectors.faltantes)(
                grupos_permitidos=self.groups, desde=self.posicion,
                enviados=set(self.enviados))
            if resultado.mensajes:
                logger.info("Flujo %s: %d eventos perdidos en vivo se envían desde la tabla",
                            self.channel_name, len(resultado.mensajes))
            for mensaje in resultado.mensajes:
                if mensaje["tipo"] == TIPO_REVOCACION:
                    codigo = self._me_revoca(mensaje)
                    if codigo is not None:
                        await self.close(code=codigo)
                        return
                    continue
                await self.send_json({campo: mensaje[campo] for campo in CAMPOS_EVENTO})
            if resultado.hasta <= self.posicion:
                return
            self.posicion = resultado.hasta
            self.enviados = {s for s in self.enviados if s > self.posicion}
            if resultado.completo:
                await self.send_json({"tipo": TIPO_POSICION, "secuencia": self.posicion})
            else:
                await self.send_json({"tipo": TIPO_SINCRONIZADO, "secuencia": self.posicion,
                                      "completo": False})


class EventosConsumer(FlujoConsumer):
    """The general stream."""
