"""Runs the registered sinks, each over its own queue (``EntregaSumidero``).

Isolation is the point: the search index, notifications, mail and the PISI reactions each
keep their own progress, run in transactions of their own and back off on their own. A
hung search cluster holds one runner of one sink for at most its client timeout; the live
stream (``despachador``) and the other sinks go on.

Per sink, one runner at a time (an advisory lock), in id order, so a document's updates
reach the index in the order they happened. A failure backs off that row (exponential,
capped) and pauses the whole sink for half as long (the usual cause — a dead cluster, a
mail server refusing — fails every row alike; a poison row is still backing off when the
pause ends, so the rows behind it go through); a success clears the pause. Rows are never
dropped: past ``EVENTOS_MAX_INTENTOS`` they show as "agotado" and keep being retried.
"""

import logging
import zlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cgii.eventos import cerrojos, registro
from cgii.eventos.despachador import LARGO_MAXIMO_ERROR, espera_segundos
from cgii.eventos.models import EntregaSumidero, EstadoSumidero

logger = logging.getLogger(__name__)

# Rows read per query; each runs in its own transaction.
LOTE = 100
# Ceiling of one run, so a steady stream cannot keep a worker process forever.
MAXIMO_POR_EJECUCION = 2000
# Per-sink advisory locks use the two-int4 key space (apart from the stream lock's bigint
# key): this class id ("cgii") and the crc32 of the sink's name.
_CLASE_CERROJO = 0x63676969


def ejecutar_todos() -> int:
    """Every sink that has due rows, one after the other (tests, the embedded profile)."""
    return sum(ejecutar(nombre) for nombre in con_pendientes())


def con_pendientes() -> list[str]:
    """Names of the sinks with due rows (the sweep schedules one run for each)."""
    return sorted(EntregaSumidero.objects.filter(disponible_desde__lte=timezone.now())
                  .values_list("sumidero", flat=True).distinct())


def ejecutar(nombre: str) -> int:
    """Work through one sink's due rows; return how many were done. Returns at once when
    another runner holds this sink or it is paused; never raises a sink's error."""
    manejador = registro.manejador(nombre)
    if manejador is None:
        logger.warning("Hay entregas pendientes para el sumidero %r, que no está registrado",
                       nombre)
        return 0
    hechos = 0
    while True:
        with _cerrojo(nombre) as obtenido:
            if not obtenido:
                return hechos
            if _pausado(nombre):
                return hechos
            hechos_ahora, fallo = _trabajar(manejador, MAXIMO_POR_EJECUCION - hechos)
            hechos += hechos_ahora
        # Released, then looked again: a row committed while we finished is not left for
        # the sweep (its own request may have found the lock taken).
        if (fallo or not hechos_ahora or hechos >= MAXIMO_POR_EJECUCION
                or not _hay_vencidos(nombre)):
            return hechos


def _trabajar(manejador, maximo: int) -> tuple[int, bool]:
    hechos = 0
    while hechos < maximo:
        ids = list(EntregaSumidero.objects
                   .filter(sumidero=manejador.nombre, disponible_desde__lte=timezone.now())
                   .order_by("id").values_list("id", flat=True)[:min(LOTE, maximo - hechos)])
        if not ids:
            return hechos, False
        for entrega_id in ids:
            resultado = _una(manejador, entrega_id)
            if resultado is False:
                return hechos, True
            hechos += int(resultado)
    return hechos, False


def _una(manejador, entrega_id: int) -> bool | int:
    """True/1 done, 0 already gone, False failed (the sink is now paused)."""
    try:
        with transaction.atomic():
            # of=self: locking the joined event row too would make the live sender skip
            # it for as long as a slow sink works on it.
            entrega = (EntregaSumidero.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("evento").filter(pk=entrega_id).first())
            if entrega is None:
                return 0
            manejador.funcion(entrega.evento)
            entrega.delete()
    except Exception as exc:  # a sink's failure must not stop the runner or other sinks
        logger.exception("El sumidero %s falló con el evento de la entrega #%s",
                         manejador.nombre, entrega_id)
        _anotar_fallo(manejador.nombre, entrega_id, f"{exc!r}")
        return False
    _anotar_exito(manejador.nombre)
    return 1


def _anotar_fallo(nombre: str, entrega_id: int, error: str) -> None:
    ahora = timezone.now()
    error = error[:LARGO_MAXIMO_ERROR]
    with transaction.atomic():
        entrega = EntregaSumidero.objects.select_for_update().filter(pk=entrega_id).first()
        if entrega is not None:
            entrega.intentos += 1
            entrega.disponible_desde = ahora + timedelta(seconds=espera_segundos(entrega.intentos))
            entrega.ultimo_error = error
            entrega.save(update_fields=["intentos", "disponible_desde", "ultimo_error"])
            if entrega.intentos == settings.EVENTOS_MAX_INTENTOS:
                logger.error("El sumidero %s agotó %s intentos con el evento #%s: %s", nombre,
                             entrega.intentos, entrega.evento_id, error)
        estado, _ = EstadoSumidero.objects.select_for_update().get_or_create(nombre=nombre)
        estado.fallos_seguidos += 1
        # Half the row's own backoff: when the pause ends, a poison row is still waiting
        # and the rows behind it go through; a dead cluster fails the next row alike and
        # the pause keeps doubling.
        pausa = max(espera_segundos(estado.fallos_seguidos) // 2, 1)
        estado.pausado_hasta = ahora + timedelta(seconds=pausa)
        estado.ultimo_error = error
        estado.save()


def _anotar_exito(nombre: str) -> None:
    # One cheap UPDATE, and only when the sink had been failing.
    EstadoSumidero.objects.filter(nombre=nombre, fallos_seguidos__gt=0).update(
        fallos_seguidos=0, pausado_hasta=None, ultimo_exito=timezone.now())


def _pausado(nombre: str) -> bool:
    return EstadoSumidero.objects.filter(nombre=nombre,
                                         pausado_hasta__gt=timezone.now()).exists()


def _hay_vencidos(nombre: str) -> bool:
    return EntregaSumidero.objects.filter(sumidero=nombre,
                                          disponible_desde__lte=timezone.now()).exists()


def reanudar(nombre: str) -> None:
    """Lift a sink's pause now (admin "reintentar ahora")."""
    EstadoSumidero.objects.filter(nombre=nombre).update(pausado_hasta=None)


def _cerrojo(nombre: str):
    crc = zlib.crc32(nombre.encode())
    return cerrojos.intentar(f"sumidero:{nombre}", _CLASE_CERROJO,
                             crc - 2**32 if crc >= 2**31 else crc)
