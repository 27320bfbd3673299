"""Sinks of outbox events, registered by domain apps from ``AppConfig.ready()``.

Core never imports a domain app; instead e.g. ``planes_seguridad`` calls::

    registrar_manejador(nombre="planes_seguridad.controles_fallidos",
                        tipos=("incidente.cerrado_con_controles",), funcion=...)

When an event is emitted, each sink that accepts its type gets a row in its own queue
(``EntregaSumidero``) in the same transaction. The sink's runner calls ``funcion(evento)``
in a transaction of its own that also deletes that row, so the sink's database effects
happen exactly once, and a slow or failing sink delays only itself (docs/eventos.md).
Effects outside the database (mail, search index) may repeat after a crash and must
tolerate that.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cgii.eventos.models import Evento

Funcion = Callable[["Evento"], None]


@dataclass(frozen=True)
class Manejador:
    nombre: str
    tipos: tuple[str, ...]
    funcion: Funcion

    def acepta(self, tipo: str) -> bool:
        for patron in self.tipos:
            if patron == "*" or patron == tipo:
                return True
            if patron.endswith(".*") and tipo.startswith(patron[:-1]):
                return True
        return False


_manejadores: dict[str, Manejador] = {}
_lock = threading.Lock()


def registrar_manejador(*, nombre: str, tipos: tuple[str, ...], funcion: Funcion) -> None:
    """Register a sink. ``nombre`` is stored in the sink's queue rows: keep it stable, or
    events queued under the old name wait for a runner that no longer exists. A tipo ending in
    ``.*`` is a prefix (``"incidente.*"``); ``"*"`` is every event."""
    if not nombre or len(nombre) > 100:
        raise ValueError("El nombre del manejador es obligatorio (máx. 100 caracteres).")
    if isinstance(tipos, str) or not tipos:
        raise ValueError("tipos debe ser una tupla no vacía de tipos de evento.")
    if not callable(funcion):
        raise TypeError("funcion debe ser invocable.")
    nuevo = Manejador(nombre=nombre, tipos=tuple(tipos), funcion=funcion)
    with _lock:
        actual = _manejadores.get(nombre)
        # ready() may run twice (tests, autoreload): the same registration is a no-op,
        # a different one under a taken name is a bug.
        if actual is not None and actual != nuevo:
            raise ValueError(f"Ya existe un manejador llamado {nombre!r}.")
        _manejadores[nombre] = nuevo


def desregistrar_manejador(nombre: str) -> None:
    """For tests."""
    with _lock:
        _manejadores.pop(nombre, None)


def manejadores_para(tipo: str) -> list[Manejador]:
    with _lock:
        return [m for m in _manejadores.values() if m.acepta(tipo)]


def manejador(nombre: str) -> Manejador | None:
    with _lock:
        return _manejadores.get(nombre)


def nombres() -> list[str]:
    with _lock:
        return sorted(_manejadores)
