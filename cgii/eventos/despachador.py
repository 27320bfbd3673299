"""Sends outbox events live to their Channels groups, in stream order.

One round (``difundir_pendientes``), while holding the stream lock:

1. number: in one short transaction, give the due new events the next stream positions
   and COMMIT them — from then on a client that reconnects replays them from the table;
2. send them (with any numbered-but-unsent ones first) to their groups, in position order;
3. mark them sent, or back them off if the channel layer was down.

A client joining between 1 and 2 replays the batch from the table and drops the live copy
by position; one that joined before 1 receives it live. Nothing is sent before its position
is committed, so no client can ever hold a position beyond an event it cannot get back.
Sinks (search, notifications, mail) are not run here: each has its own queue and runner
(``sumideros.py``), so a hung one never holds up the live stream. See docs/eventos.md.
"""

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import redis.exceptions
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cgii.eventos import cerrojos
from cgii.eventos.models import Evento

logger = logging.getLogger(__name__)

TIPO_MENSAJE = "evento.enviar"
ESPERA_MAXIMA_SEGUNDOS = 300
# A hung Redis must not hold the stream lock for long.
TIMEOUT_GROUP_SEND = 5.0
TIMEOUT_LOTE = 60.0
LARGO_MAXIMO_ERROR = 2000

# Errors that mean "the channel layer is unreachable", not "this message is bad": after
# one of them the rest of the batch is not even tried, and the batch is resent later.
ERRORES_DE_CONEXION = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
    TimeoutError,
)


@dataclass
class ResultadoLote:
    tomados: int = 0
    entregados: int = 0
    capa_caida: bool = False


def espera_segundos(intentos: int) -> int:
    """Exponential backoff: 2, 4, 8 … seconds, capped at five minutes."""
    return min(2 ** min(intentos, 16), ESPERA_MAXIMA_SEGUNDOS)


# --- entry points --------------------------------------------------------------------------

def despachar(*, lote: int | None = None) -> int:
    """One live round of at most ``lote`` events, then every sink's due queue (tests, the
    embedded inline path). Returns how many events were sent live."""
    from cgii.eventos import sumideros

    enviados = difundir_pendientes(lote=lote, max_lotes=1)
    sumideros.ejecutar_todos()
    return enviados


def despachar_pendientes(*, max_lotes: int = 50) -> int:
    """Everything that is due: the live stream, then each sink's queue."""
    from cgii.eventos import sumideros

    enviados = difundir_pendientes(max_lotes=max_lotes)
    sumideros.ejecutar_todos()
    return enviados


def difundir_pendientes(*, lote: int | None = None, max_lotes: int = 50) -> int:
    """Send what is due live, batch after batch, stopping early when the layer is down.

    One sender at a time (stream order). A caller that finds the lock taken returns at
    once: the holder looks again for due events after releasing it, so an event committed
    meanwhile is not left for the next sweep.
    """
    lote = lote or settings.EVENTOS_LOTE
    total = 0
    while True:
        with _cerrojo_flujo() as obtenido:
            if not obtenido:
                return total
            capa_caida = False
            tomados = 0
            for _ in range(max_lotes):
                resultado = _ronda(lote)
                total += resultado.entregados
                tomados += resultado.tomados
                if resultado.capa_caida:
                    capa_caida = True
                    break
                if resultado.tomados < lote:
                    break
            else:
                return total  # max_lotes reached: leave the rest to the next request
        # Nothing taken although rows are due: another transaction holds them (SKIP
        # LOCKED); looking again would spin.
        if capa_caida or not tomados or not _hay_pendientes():
            return total


# --- the stream lock -----------------------------------------------------------------------

# pg_advisory_lock key (ASCII "cgiistrm"): one numbering-and-sending at a time, so stream
# positions are committed and sent in the same order. Session-level: it must outlive the
# numbering transaction's commit and cover the send.
CLAVE_CERROJO_FLUJO = 0x636769697374726D


def _cerrojo_flujo():
    return cerrojos.intentar("flujo", CLAVE_CERROJO_FLUJO)


def _hay_pendientes() -> bool:
    return Evento.objects.filter(entregado_en__isnull=True,
                                 disponible_desde__lte=timezone.now()).exists()


# --- one round -------------------------------------------------------------------------------

def _ronda(lote: int) -> ResultadoLote:
    eventos, en_espera = _a_enviar(lote)
    if not eventos:
        # Unsent events backing off (the layer was down): newer ones wait behind them.
        return ResultadoLote(capa_caida=en_espera)
    errores, capa_caida = _difundir(eventos)
    resultado = ResultadoLote(tomados=len(eventos), capa_caida=capa_caida)
    ahora = timezone.now()
    for evento in eventos:
        error = errores.get(evento.pk)
        if error is None:
            evento.entregado_en = ahora
            resultado.entregados += 1
        elif error.conexion:
            _anotar_fallo(evento, error.texto)
        else:
            # The layer refused this message itself (too large, bad group name): it will
            # never go out live. Clients still get it from the table (replay, gap check).
            evento.entregado_en = ahora
            evento.ultimo_error = error.texto[:LARGO_MAXIMO_ERROR]
    with transaction.atomic():
        Evento.objects.bulk_update(
            eventos, ["entregado_en", "intentos", "disponible_desde", "ultimo_error"])
    return resultado


def _a_enviar(lote: int) -> tuple[list[Evento], bool]:
    """Numbered-but-unsent events first (a previous sender died or the layer was down), in
    position order; then due new events, numbered and committed here. The flag says the
    unsent ones are backing off."""
    ahora = timezone.now()
    sin_enviar = list(Evento.objects.filter(entregado_en__isnull=True,
                                            secuencia__isnull=False)
                      .order_by("secuencia")[:lote])
    if sin_enviar:
        if sin_enviar[0].disponible_desde > ahora:
            return [], True  # newer events must not overtake them
        return sin_enviar, False
    with transaction.atomic():
        nuevos = list(
            Evento.objects.select_for_update(skip_locked=True)
            .filter(entregado_en__isnull=True, secuencia__isnull=True,
                    disponible_desde__lte=ahora)
            # The partial index's own order.
            .order_by("disponible_desde", "id")[:lote]
        )
        if not nuevos:
            return [], False
        ultima = Evento.objects.aggregate(m=Max("secuencia"))["m"] or 0
        for i, evento in enumerate(nuevos, start=1):
            evento.secuencia = ultima + i
        Evento.objects.bulk_update(nuevos, ["secuencia"])
    return nuevos, False


def _anotar_fallo(evento: Evento, error: str) -> None:
    evento.intentos += 1
    evento.disponible_desde = timezone.now() + timedelta(seconds=espera_segundos(evento.intentos))
    evento.ultimo_error = error[:LARGO_MAXIMO_ERROR]
    if evento.intentos == settings.EVENTOS_MAX_INTENTOS:
        # Not dropped: it keeps being retried at the capped interval and shows as
        # "agotado" in the admin and in selectors.backlog().
        logger.error("El evento #%s (%s) agotó %s intentos: %s", evento.pk, evento.tipo,
                     evento.intentos, evento.ultimo_error)


# --- fan-out to Channels groups ----------------------------------------------------------

@dataclass(frozen=True)
class ErrorEnvio:
    texto: str
    conexion: bool  # the layer was unreachable: retry later


_bucle_servidor: asyncio.AbstractEventLoop | None = None
_bucle_lock = threading.Lock()


def anotar_bucle_servidor() -> None:
    """Embedded profile: remember the ASGI server's event loop (called by the consumer).

    The in-memory channel layer uses asyncio queues, which are not thread-safe: a
    ``group_send`` from the ticker thread's own loop would not wake the server loop, so
    the fan-out is run on the server loop instead.
    """
    global _bucle_servidor
    with _bucle_lock:
        _bucle_servidor = asyncio.get_running_loop()


def _difundir(eventos: list[Evento]) -> tuple[dict[int, ErrorEnvio], bool]:
    """Send every event of the batch to its groups in one event loop.

    Returns ({evento_id: error} for events not sent, whether the layer looked down).
    """
    capa = get_channel_layer()
    if not eventos or capa is None:
        return {}, False
    envios = [(e.pk, list(e.grupos), {"type": TIPO_MENSAJE, "evento": e.como_mensaje()})
              for e in eventos]
    try:
        bucle = _bucle_servidor
        if bucle is not None and bucle.is_running():
            futuro = asyncio.run_coroutine_threadsafe(_enviar(capa, envios), bucle)
            return futuro.result(timeout=TIMEOUT_LOTE)
        return async_to_sync(_enviar)(capa, envios)
    except Exception as exc:  # e.g. the server loop stopped: retry the whole batch later
        logger.exception("No se pudo ejecutar el envío del lote a la capa de canales")
        error = ErrorEnvio(f"capa de canales: {exc!r}", conexion=True)
        return {evento_id: error for evento_id, _, _ in envios}, True


async def _enviar(capa, envios: list[tuple[int, list[str], dict]]
                  ) -> tuple[dict[int, ErrorEnvio], bool]:
    errores: dict[int, ErrorEnvio] = {}
    caida: ErrorEnvio | None = None
    # Sequential on purpose: each consumer's channel receives the batch in position order.
    for evento_id, grupos, mensaje in envios:
        if caida is not None:
            errores[evento_id] = caida
            continue
        try:
            for grupo in grupos:
                await asyncio.wait_for(capa.group_send(grupo, mensaje), TIMEOUT_GROUP_SEND)
        except ERRORES_DE_CONEXION as exc:
            logger.warning("Capa de canales no disponible (evento #%s): %r", evento_id, exc)
            caida = ErrorEnvio(f"capa de canales: {exc!r}", conexion=True)
            errores[evento_id] = caida
        except Exception as exc:  # this message only (e.g. over capacity, not serialisable)
            logger.exception("No se pudo enviar el evento #%s a sus grupos", evento_id)
            errores[evento_id] = ErrorEnvio(f"capa de canales: {exc!r}", conexion=False)
    return errores, caida is not None


# --- inline dispatch (embedded profile without the ticker thread) ------------------------

_local = threading.local()


def despachar_en_linea() -> None:
    """Dispatch now in this thread. Events emitted by a sink while we are dispatching
    (their on_commit fires inside our loop) only ask for one more round, no recursion."""
    if getattr(_local, "activo", False):
        _local.otra_vez = True
        return
    _local.activo = True
    try:
        while True:
            _local.otra_vez = False
            despachar_pendientes()
            if not _local.otra_vez:
                break
    finally:
        _local.activo = False
