"""Embedded profile (no Celery worker/beat): two daemon threads inside the ASGI process.

The ticker sends the outbox live every ``INTERVALO_SEGUNDOS`` or as soon as a commit wakes
it, and runs the periodic jobs domain apps register with ``registrar_periodica`` (their
full-stack twins are Celery beat entries in the app's own ``tasks.py``). The sink thread
runs the sinks' queues (search index, notifications, mail), so a slow sink never delays
the live stream — the same isolation the full stack gets from separate Celery tasks.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from cgii import periodicas
from cgii.eventos import despachador, sumideros

logger = logging.getLogger(__name__)

INTERVALO_SEGUNDOS = 1.0


@dataclass
class _Periodica:
    nombre: str
    cada_segundos: float
    funcion: Callable[[], object]
    proxima: float = field(default=0.0)


_periodicas: dict[str, _Periodica] = {}
_lock = threading.Lock()
_despertador = threading.Event()
_despertador_sumideros = threading.Event()
_parar = threading.Event()
_hilo: threading.Thread | None = None
_hilo_sumideros: threading.Thread | None = None


def registrar_periodica(*, nombre: str, cada_segundos: float,
                        funcion: Callable[[], object]) -> None:
    """Run ``funcion()`` every ``cada_segundos`` on the ticker (first run one interval
    after start). Re-registering a name replaces it (ready() may run twice)."""
    if cada_segundos <= 0:
        raise ValueError("cada_segundos debe ser positivo.")
    with _lock:
        _periodicas[nombre] = _Periodica(nombre, float(cada_segundos), funcion,
                                         time.monotonic() + cada_segundos)


def desregistrar_periodica(nombre: str) -> None:
    """For tests."""
    with _lock:
        _periodicas.pop(nombre, None)


def iniciar_ticker() -> bool:
    """Start the daemon threads once per process; return False if already running."""
    global _hilo, _hilo_sumideros
    with _lock:
        if _hilo is not None and _hilo.is_alive():
            return False
        _parar.clear()
        _hilo = threading.Thread(target=_bucle, args=(_despertador, _vuelta),
                                 name="cgii-eventos-ticker", daemon=True)
        _hilo_sumideros = threading.Thread(
            target=_bucle, args=(_despertador_sumideros, _vuelta_sumideros),
            name="cgii-eventos-sumideros", daemon=True)
        _hilo.start()
        _hilo_sumideros.start()
    logger.info("Ticker de eventos embebido iniciado")
    return True


def detener_ticker(timeout: float = 5.0) -> None:
    """Stop and join the threads (tests; the process exit kills the daemons anyway)."""
    global _hilo, _hilo_sumideros
    with _lock:
        hilos = [h for h in (_hilo, _hilo_sumideros) if h is not None]
        _hilo = _hilo_sumideros = None
    if hilos:
        _parar.set()
        _despertador.set()
        _despertador_sumideros.set()
        for hilo in hilos:
            hilo.join(timeout)


def ticker_activo() -> bool:
    return _hilo is not None and _hilo.is_alive()


def despertar(*, difusion: bool = True, para_sumideros: bool = True) -> bool:
    """Wake the threads for the work a commit brought; False when none runs here."""
    if not ticker_activo():
        return False
    if difusion:
        _despertador.set()
    if para_sumideros:
        _despertador_sumideros.set()
    return True


def _bucle(despertador: threading.Event, vuelta: Callable[[], None]) -> None:
    while not _parar.is_set():
        despertador.wait(INTERVALO_SEGUNDOS)
        despertador.clear()
        if _parar.is_set():
            break
        try:
            vuelta()
        except Exception:  # the thread must outlive any bug: log and keep ticking
            logger.exception("Error en el hilo de eventos")
    # The thread owns its connection; close it instead of leaving it to the GC.
    connections.close_all()


def _vuelta_sumideros() -> None:
    close_old_connections()
    sumideros.ejecutar_todos()


def _vuelta() -> None:
    # Connections of a long-lived thread would otherwise outlive CONN_MAX_AGE or stay
    # broken after a database restart.
    close_old_connections()
    try:
        despachador.difundir_pendientes()
    except Exception:
        logger.exception("Error al despachar eventos en el ticker")
    ahora = time.monotonic()
    with _lock:
        vencidas = [p for p in _periodicas.values() if p.proxima <= ahora]
        for periodica in vencidas:
            periodica.proxima = ahora + periodica.cada_segundos
    for periodica in vencidas:
        try:
            periodica.funcion()
        except Exception:
            logger.exception("Error en la tarea periódica %s", periodica.nombre)
        finally:
            close_old_connections()
    # Periodic jobs each app declares once in its periodicas.py (also read by Celery beat).
    periodicas.ejecutar_vencidas()
