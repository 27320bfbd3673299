"""Registries that let domain apps plug into core commands without core importing them.

Each domain app calls these from its ``AppConfig.ready()``.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Cargador:
    nombre: str
    orden: int
    funcion: Callable[..., list[str]]


_catalogos: dict[str, Cargador] = {}
_demos: dict[str, Cargador] = {}


def registrar_catalogo(nombre: str, funcion: Callable[..., list[str]], *, orden: int = 100) -> None:
    """``funcion(stdout=None) -> list[str]``: loads versioned YAML idempotently and returns
    one human line per change it made (empty list = nothing changed)."""
    _catalogos[nombre] = Cargador(nombre, orden, funcion)


def registrar_demo(nombre: str, funcion: Callable[..., list[str]], *, orden: int = 100) -> None:
    """``funcion(contexto: dict) -> list[str]``: creates demo data idempotently.
    ``contexto`` carries what earlier loaders made (entities, users) by key."""
    _demos[nombre] = Cargador(nombre, orden, funcion)


def catalogos() -> list[Cargador]:
    return sorted(_catalogos.values(), key=lambda c: (c.orden, c.nombre))


def demos() -> list[Cargador]:
    return sorted(_demos.values(), key=lambda c: (c.orden, c.nombre))
