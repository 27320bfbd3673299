"""Delivers pending outbox rows: fan-out to Channels groups, then the registered sinks.

Runs as a Celery task on the full stack and on the ticker thread (or inline) embedded.
Several dispatchers may run at once: each locks its batch with ``SKIP LOCKED``.
Delivery is at least once; see docs/eventos.md.
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
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from cgii.eventos.models import ConsumoEvento, Evento
from cgii.eventos.registro import manejadores_para

logger = logging.getLogger(__name__)

TIPO_MENSAJE = "evento.enviar"
# Recorded in ConsumoEvento when the fan-out succeeded but a sink failed, so the retry
# does not push the same message to the browsers again.
CONSUMIDOR_CANALES = "eventos.canales"
ESPERA_MAXIMA_SEGUNDOS = 300
# A hung Redis must not hold the batch's row locks for long.
TIMEOUT_GROUP_SEND = 5.0
TIMEOUT_LOTE = 60.0
LARGO_MAXIMO_ERROR = 2000

# Errors that mean "the channel layer is unreachable", not "this message is bad": after
# one of them the rest of the batch is not even tried.
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


def despachar(*, lote: int | None = None) -> int:
    """Deliver one batch of due events; return how many were delivered.

    Channel-layer and sink failures never raise: the event stays pending with
    ``intentos + 1``, an exponential ``disponible_desde`` and ``ultimo_error``.
    Database errors of the dispatcher itself do raise (the caller logs; the sweep retries).
    """
    return despachar_lote(lote=lote or settings.EVENTOS_LOTE).entregados


def despachar_pendientes(*, max_lotes: int = 50) -> int:
    """Drain what is due, batch after batch, stopping early when the layer is down."""
    lote = settings.EVENTOS_LOTE
    total = 0
    for _ in range(max_lotes):
        resultado = despachar_lote(lote=lote)
        total += resultado.entregados
        if resultado.tomados < lote or resultado.capa_caida:
            break
    return total


# pg_advisory_xact_lock key (ASCII "cgiistrm"): one fan-out at a time, so stream positions
# are handed out and sent in the same order.
CLAVE_CERROJO_FLUJO = 0x636769697374726D
_cerrojo_local = threading.Lock()


def _serializar_difusion() -> None:
    """Held until the batch commits (PostgreSQL) — other dispatchers wait, not skip, so a
    freshly committed event never waits for the next sweep."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAVE_CERROJO_FLUJO])


def _asignar_secuencias(eventos: list[Evento]) -> None:
    ultima = Evento.objects.aggregate(m=Max("secuencia"))["m"] or 0
    for i, evento in enumerate(eventos, start=1):
        evento.secuencia = ultima + i


def despachar_lote(*, lote: int) -> ResultadoLote:
    """Lock up to ``lote`` due events, fan them out, run their sinks, record the outcome.
    Everything, sinks included, commits together at the end."""
    if connection.vendor == "postgresql":
        return _despachar_lote(lote)
    with _cerrojo_local:  # embedded (SQLite): one process, maybe two threads
        return _despachar_lote(lote)


def _despachar_lote(lote: int) -> ResultadoLote:
    with transaction.atomic():
        _serializar_difusion()
        eventos = list(
            Evento.objects.select_for_update(skip_locked=True)
            .filter(entregado_en__isnull=True, disponible_desde__lte=timezone.now())
            # The partial index's own order: a plain "ORDER BY id" let the planner walk the
            # primary key past every pending-but-not-due row.
            .order_by("disponible_desde", "id")[:lote]
        )
        if not eventos:
            return ResultadoLote()
        hechos = set(
            ConsumoEvento.objects.filter(evento__in=eventos)
            .values_list("evento_id", "consumidor")
        )
        a_difundir = [e for e in eventos
                      if e.grupos and (e.pk, CONSUMIDOR_CANALES) not in hechos]
        ids_a_difundir = {e.pk for e in a_difundir}
        _asignar_secuencias(a_difundir)
        errores_capa, capa_caida = _difundir(a_difundir)
        for evento in a_difundir:
            if evento.pk in errores_capa:
                evento.secuencia = None  # not (fully) sent: the retry gets a new position

        resultado = ResultadoLote(tomados=len(eventos), capa_caida=capa_caida)
        difundidos_sin_entregar = []
        for evento in eventos:
            errores = [errores_capa[evento.pk]] if evento.pk in errores_capa else []
            errores += _ejecutar_manejadores(evento, hechos)
            if not errores:
                evento.entregado_en = timezone.now()
                resultado.entregados += 1
                continue
            if evento.pk in ids_a_difundir and evento.pk not in errores_capa:
                difundidos_sin_entregar.append(
                    ConsumoEvento(evento=evento, consumidor=CONSUMIDOR_CANALES))
            _anotar_fallo(evento, errores)

        ConsumoEvento.objects.bulk_create(difundidos_sin_entregar)
        Evento.objects.bulk_update(
            eventos, ["entregado_en", "intentos", "disponible_desde", "ultimo_error",
                      "secuencia"])
    return resultado


def espera_segundos(intentos: int) -> int:
    """Exponential backoff: 2, 4, 8 … seconds, capped at five minutes."""
    return min(2 ** min(intentos, 16), ESPERA_MAXIMA_SEGUNDOS)


def _anotar_fallo(evento: Evento, errores: list[str]) -> None:
    evento.intentos += 1
    evento.disponible_desde = timezone.now() + timedelta(seconds=espera_segundos(evento.intentos))
    evento.ultimo_error = "; ".join(errores)[:LARGO_MAXIMO_ERROR]
    if evento.intentos == settings.EVENTOS_MAX_INTENTOS:
        # Not dropped: it keeps being retried at the capped interval and shows as
        # "agotado" in the admin and in selectors.backlog().
        logger.error("El evento #%s (%s) agotó %s intentos: %s", evento.pk, evento.tipo,
                     evento.intentos, evento.ultimo_error)


def _ejecutar_manejadores(evento: Evento, hechos: set[tuple[int, str]]) -> list[str]:
    errores = []
    for manejador in manejadores_para(evento.tipo):
        if (evento.pk, manejador.nombre) in hechos:
            continue
        try:
            # One savepoint for the effect and its receipt: both or neither.
            with transaction.atomic():
                manejador.funcion(evento)
                ConsumoEvento.objects.create(evento=evento, consumidor=manejador.nombre)
        except Exception as exc:  # a sink's bug must not stop the other events
            logger.exception("El manejador %s falló con el evento #%s", manejador.nombre,
                             evento.pk)
            errores.append(f"{manejador.nombre}: {exc!r}")
    return errores


# --- fan-out to Channels groups ----------------------------------------------------------

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


def _difundir(eventos: list[Evento]) -> tuple[dict[int, str], bool]:
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
        return {evento_id: f"capa de canales: {exc!r}" for evento_id, _, _ in envios}, True


async def _enviar(capa, envios: list[tuple[int, list[str], dict]]) -> tuple[dict[int, str], bool]:
    errores: dict[int, str] = {}
    caida: str | None = None
    # Sequential on purpose: a group receives the batch in id order.
    for evento_id, grupos, mensaje in envios:
        if caida is not None:
            errores[evento_id] = caida
            continue
        try:
            for grupo in grupos:
                await asyncio.wait_for(capa.group_send(grupo, mensaje), TIMEOUT_GROUP_SEND)
        except ERRORES_DE_CONEXION as exc:
            logger.warning("Capa de canales no disponible (evento #%s): %r", evento_id, exc)
            caida = f"capa de canales: {exc!r}"
            errores[evento_id] = caida
        except Exception as exc:  # this message only (e.g. over capacity, not serialisable)
            logger.exception("No se pudo enviar el evento #%s a sus grupos", evento_id)
            errores[evento_id] = f"capa de canales: {exc!r}"
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
