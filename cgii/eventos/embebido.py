"""Embedded profile (no Celery worker/beat): one ticker thread inside the ASGI process.

It dispatches the outbox every ``INTERVALO_SEGUNDOS`` or as soon as a commit wakes it, and
runs the periodic jobs domain apps register with ``registrar_periodica`` (their full-stack
twins are Celery beat entries in the app's own ``tasks.py``).
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from cgii import periodicas
from cgii.eventos import despachador

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
_parar = threading.Event()
_hilo: threading.Thread | None = None


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
    """Start the daemon thread once per process; return False if it was already running."""
    global _hilo
    with _lock:
        if _hilo is not None and _hilo.is_alive():
            return False
        _parar.clear()
        _hilo = threading.Thread(target=_bucle, name="cgii-eventos-ticker", daemon=True)
        _hilo.start()
    logger.info("Ticker de eventos embebido iniciado")
    return True


def detener_ticker(timeout: float = 5.0) -> None:
    """Stop and join the thread (tests; the process exit kills the daemon anyway)."""
    global _hilo
    with _lock:
        hilo, _hilo = _hilo, None
    if hilo is not None:
        _parar.set()
        _despertador.set()
        hilo.join(timeout)


def ticker_activo() -> bool:
    return _hilo is not None and _hilo.is_alive()


def despertar() -> bool:
    """Wake the ticker for a dispatch now; False when no ticker runs in this process."""
    if not ticker_activo():
        return False
    _despertador.set()
    return True


def _bucle() -> None:
    while not _parar.is_set():
        _despertador.wait(INTERVALO_SEGUNDOS)
        _despertador.clear()
        if _parar.is_set():
            break
        try:
            _vuelta()
        except Exception:  # the thread must outlive any bug: log and keep ticking
            logger.exception("Error en el ticker de eventos")
    # The thread owns its connection; close it instead of leaving it to the GC.
    connections.close_all()


def _vuelta() -> None:
    # Connections of a long-lived thread would otherwise outlive CONN_MAX_AGE or stay
    # broken after a database restart.
    close_old_connections()
    try:
        despachador.despachar_pendientes()
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
