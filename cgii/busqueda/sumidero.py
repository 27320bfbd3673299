"""The outbox sink that keeps the index up to date.

For each event the registered *fuente* names the affected documents; they are rebuilt from
the database and written to the backend in one bulk request (deleted when their object is
gone). On the database backend the write joins the dispatcher's transaction (exactly once);
on Elasticsearch a failure raises, so the dispatcher keeps the event pending and retries it
with backoff — the backlog (``cgii.eventos.selectors.backlog``) grows and drains when the
cluster returns. Rebuilding from the database makes a redelivery harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from . import conf, registro
from .backends import obtener_backend
from .documentos import Documento

logger = logging.getLogger(__name__)

_funciones: dict[str, object] = {}


def manejador_para(nombre: str):
    """One function object per source name: ``registrar_manejador`` compares registrations,
    and ``ready()`` may run twice."""
    if nombre not in _funciones:
        def manejar(evento) -> None:
            fuente = registro.fuente(nombre)
            if fuente is None:
                return
            afectados = fuente.afectados(evento) or {}
            actualizar(afectados)

        manejar.__name__ = f"busqueda_{nombre.replace('.', '_')}"
        _funciones[nombre] = manejar
    return _funciones[nombre]


def construir(afectados: dict[str, Iterable[int]]) -> tuple[list[Documento], list[str]]:
    """(documents to write, ids of documents to delete)."""
    documentos: list[Documento] = []
    borrar: list[str] = []
    for nombre, ids in afectados.items():
        tipo = registro.tipo(nombre)
        if tipo is None:
            continue
        unicos = sorted({int(i) for i in ids if i is not None})
        for i in range(0, len(unicos), conf.LOTE_CONSTRUCCION):
            trozo = unicos[i:i + conf.LOTE_CONSTRUCCION]
            construidos = [d.limpio() for d in tipo.construir(trozo)]
            presentes = {d.objeto_id for d in construidos}
            documentos.extend(construidos)
            borrar.extend(f"{nombre}:{x}" for x in trozo if x not in presentes)
    return documentos, borrar


def actualizar(afectados: dict[str, Iterable[int]]) -> int:
    documentos, borrar = construir(afectados)
    if not documentos and not borrar:
        return 0
    obtener_backend().escribir(documentos, borrar)
    return len(documentos) + len(borrar)
