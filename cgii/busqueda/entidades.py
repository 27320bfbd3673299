"""Entities are core (``cgii.entidades``), so core registers their documents itself.

Entities change through the admin, not through services that emit events, so their
documents are rebuilt by ``reindexar --indice entidades`` and whenever one of their incidents
is reported (``incidentes.busqueda``). A save signal emitting outbox events was tried and
dropped: it added events to every test (and write) that creates an entity.
"""

from __future__ import annotations

import logging

from django.urls import NoReverseMatch, reverse

from cgii.entidades.models import Entidad, NivelEntidad, TipoEntidad

from .documentos import Documento
from .registro import TipoDocumento

logger = logging.getLogger(__name__)


def construir(ids: list[int]) -> list[Documento]:
    niveles = dict(NivelEntidad.choices)
    tipos = dict(TipoEntidad.choices)
    documentos = []
    for e in Entidad.objects.filter(pk__in=ids):
        documentos.append(Documento(
            tipo="entidad", objeto_id=e.pk, entidades=(e.pk,), entidad_id=e.pk,
            clave=e.sigla, titulo=f"{e.nombre} ({e.sigla})",
            texto=" · ".join(x for x in (e.sector, str(niveles.get(e.nivel, e.nivel)),
                                         str(tipos.get(e.tipo, e.tipo))) if x),
            estado="activa" if e.activa else "inactiva", categoria=e.nivel,
            fecha=e.creado, anio=e.creado.year if e.creado else None,
            datos={"sigla": e.sigla, "critica": e.critica},
        ))
    return documentos


def todos():
    ids = list(Entidad.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), 1000):
        yield ids[i:i + 1000]


def url(objeto_id: int, datos: dict) -> str:
    try:
        return f"{reverse('incidentes:lista')}?entidad={objeto_id}"
    except NoReverseMatch:
        return ""


TIPO = TipoDocumento(
    nombre="entidad", indice="entidades", etiqueta="Entidad", construir=construir, todos=todos,
    url=url, orden=40,
    etiquetas={"estado": {"activa": "Activa", "inactiva": "Inactiva"},
               "categoria": {k: str(v) for k, v in NivelEntidad.choices}},
)
