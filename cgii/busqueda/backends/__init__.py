"""Backend chosen by settings (``BUSQUEDA_BACKEND`` = "database" | "elasticsearch")."""

from __future__ import annotations

from collections.abc import Callable

from .. import conf
from ..documentos import Consulta, Documento, Resultados

Progreso = Callable[[str, int, int], None]  # (type, done, total)


class Backend:
    nombre = ""

    def escribir(self, documentos: list[Documento], borrar: list[str]) -> None:
        """Upsert and delete in one bulk request; raise if anything was not written."""
        raise NotImplementedError

    def buscar(self, consulta: Consulta) -> Resultados:
        raise NotImplementedError

    def salud(self) -> dict:
        raise NotImplementedError

    def reindexar(self, *, indice: str | None = None, progreso: Progreso | None = None,
                  salida=None) -> dict:
        raise NotImplementedError


_cache: dict[tuple, Backend] = {}


def obtener_backend() -> Backend:
    nombre = conf.backend_nombre()
    if nombre == "elasticsearch":
        clave = (nombre, conf.url_elasticsearch(), conf.prefijo())
        if clave not in _cache:
            from .elastic import BackendElasticsearch

            _cache[clave] = BackendElasticsearch(url=clave[1], prefijo=clave[2])
        return _cache[clave]
    if nombre != "database":
        raise ValueError(f"BUSQUEDA_BACKEND desconocido: {nombre!r}")
    if ("database",) not in _cache:
        from .basedatos import BackendBaseDatos

        _cache[("database",)] = BackendBaseDatos()
    return _cache[("database",)]


def olvidar_backends() -> None:
    """For tests (settings changed)."""
    _cache.clear()
