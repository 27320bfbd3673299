"""Writes to the index. Normally only the outbox sink calls them; ``reindexar`` rebuilds."""

from __future__ import annotations

from collections.abc import Iterable

from .backends import Progreso, obtener_backend
from .documentos import Documento


def indexar(documentos: Iterable[Documento]) -> None:
    """Upsert documents in bulk (raises if the backend did not take them all)."""
    lista = [d.limpio() for d in documentos]
    if lista:
        obtener_backend().escribir(lista, [])


def borrar(ids: Iterable[str]) -> None:
    """Delete documents by id (``"incidente:42"``)."""
    lista = list(ids)
    if lista:
        obtener_backend().escribir([], lista)


def reindexar(*, indice: str | None = None, progreso: Progreso | None = None) -> dict:
    return obtener_backend().reindexar(indice=indice, progreso=progreso)


def solicitar_indexacion(documentos: dict[str, Iterable[int]]) -> None:
    """Queue a rebuild of these documents through the outbox (inside a transaction)."""
    from cgii.eventos.services import evento_emitir

    evento_emitir(tipo="busqueda.indexar",
                  datos={"documentos": {t: sorted({int(i) for i in ids})
                                        for t, ids in documentos.items()}},
                  grupos=[])
