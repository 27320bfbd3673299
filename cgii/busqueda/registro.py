"""Domain apps register what is searchable; core never imports them (DESIGN.md §2).

From ``AppConfig.ready()`` (through the app's ``busqueda.py``)::

    registrar_tipo(TipoDocumento(nombre="incidente", indice="incidentes", ...))
    registrar_fuente(nombre="busqueda.incidentes", tipos=("incidente.*",), afectados=...)
    registrar_normalizador(mi_funcion)   # raw query text → exact keys it may stand for

A *fuente* becomes an outbox sink (``cgii.eventos.registro.registrar_manejador``): for each
event it names the documents to rebuild ({tipo: [objeto_id, …]}), and the sink rebuilds them
from the database and writes them to the backend in one bulk request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cgii.eventos.models import Evento

    from .documentos import Documento


@dataclass(frozen=True)
class TipoDocumento:
    nombre: str  # "incidente"
    indice: str  # Elasticsearch index (alias) it lives in: "incidentes"
    etiqueta: str  # shown in results and facets
    # ids → documents for the ids that still exist (missing ones are removed from the index)
    construir: Callable[[list[int]], list[Documento]]
    # every id, in batches (reindex): an iterable of id lists
    todos: Callable[[], Iterable[list[int]]]
    url: Callable[[int, dict], str] = lambda objeto_id, datos: ""
    # facet → value → label, for the values this type produces (states, priorities…)
    etiquetas: dict[str, dict[str, str]] = field(default_factory=dict)
    orden: int = 100  # order in the type facet and the search form


@dataclass(frozen=True)
class Fuente:
    nombre: str
    tipos: tuple[str, ...]
    afectados: Callable[[Evento], dict[str, Iterable[int]]]


_tipos: dict[str, TipoDocumento] = {}
_fuentes: dict[str, Fuente] = {}
_normalizadores: list[Callable[[str], Iterable[str]]] = []
_lock = threading.Lock()


def registrar_tipo(tipo: TipoDocumento) -> None:
    with _lock:
        actual = _tipos.get(tipo.nombre)
        if actual is not None and actual.indice != tipo.indice:
            raise ValueError(f"El tipo de documento {tipo.nombre!r} ya está registrado.")
        _tipos[tipo.nombre] = tipo


def registrar_fuente(*, nombre: str, tipos: tuple[str, ...],
                     afectados: Callable[[Evento], dict[str, Iterable[int]]]) -> None:
    """An outbox sink named ``nombre`` (keep it stable: it is stored in receipts)."""
    from cgii.eventos.registro import registrar_manejador

    from .sumidero import manejador_para

    fuente = Fuente(nombre=nombre, tipos=tuple(tipos), afectados=afectados)
    with _lock:
        _fuentes[nombre] = fuente
    registrar_manejador(nombre=nombre, tipos=fuente.tipos, funcion=manejador_para(nombre))


_busqueda_valores: list[Callable] = []


def registrar_busqueda_valores(funcion: Callable) -> None:
    """The IOC lookup (paste many values → which incidents saw each): the indicators app
    registers its tenant-scoped selector ``funcion(usuario, valores) -> list[dict]``."""
    with _lock:
        _busqueda_valores[:] = [funcion]


def busqueda_valores() -> Callable | None:
    with _lock:
        return _busqueda_valores[0] if _busqueda_valores else None


def registrar_normalizador(funcion: Callable[[str], Iterable[str]]) -> None:
    with _lock:
        if funcion not in _normalizadores:
            _normalizadores.append(funcion)


def tipos() -> list[TipoDocumento]:
    with _lock:
        return sorted(_tipos.values(), key=lambda t: (t.orden, t.nombre))


def tipo(nombre: str) -> TipoDocumento | None:
    with _lock:
        return _tipos.get(nombre)


def fuente(nombre: str) -> Fuente | None:
    with _lock:
        return _fuentes.get(nombre)


def indices() -> dict[str, list[str]]:
    """index name → the document types it holds."""
    salida: dict[str, list[str]] = {}
    for t in tipos():
        salida.setdefault(t.indice, []).append(t.nombre)
    return salida


def claves_de(texto: str) -> tuple[str, ...]:
    """The exact keys a query may stand for: the text itself and what each registered
    normaliser makes of it (a defanged IP → its canonical form; a code → upper case)."""
    return analizar_claves(texto)[0]


def analizar_claves(texto: str) -> tuple[tuple[str, ...], bool]:
    """``claves_de`` plus whether a normaliser recognised the text (an IOC, an incident
    code): such a text is a key, and the database backend then skips the trigram prefix and
    word-fragment scans, which cost 50-110 ms each at 11M documents for a pasted URL or IP."""
    limpio = (texto or "").strip()
    if not limpio or len(limpio) > 2048:
        return (), False
    claves = [limpio]
    reconocida = False
    with _lock:
        funciones = list(_normalizadores)
    for funcion in funciones:
        try:
            propias = [c for c in funcion(limpio) if c]
        except Exception:  # noqa: BLE001 - a normaliser that cannot read the text adds nothing
            continue
        reconocida = reconocida or bool(propias)
        claves.extend(propias)
    return tuple(dict.fromkeys(claves)), reconocida
