"""Search (issue 9): one interface, two backends chosen by ``BUSQUEDA_BACKEND``.

    from cgii.busqueda import buscar, indexar, borrar
    resultados = buscar(usuario, '"acceso no autorizado" -prueba', tipos=["incidente"],
                        filtros={"estado": ["en_analisis"]}, pagina=1)

Domain apps register their documents in ``cgii.busqueda.registro`` (see docs/busqueda.md).
"""


def buscar(usuario, texto="", **kwargs):
    from .selectors import buscar as _buscar

    return _buscar(usuario, texto, **kwargs)


def indexar(documentos):
    from .services import indexar as _indexar

    return _indexar(documentos)


def borrar(ids):
    from .services import borrar as _borrar

    return _borrar(ids)


__all__ = ["borrar", "buscar", "indexar"]
