"""TAXII collections: which exist for a user, and which indicators each one holds.

- ``clear``: national indicators TLP:CLEAR, readable by any authenticated user.
- ``green``: TLP:GREEN, readable by CGII staff and users of a registered entity.
- ``amber`` per entity: TLP:AMBER and AMBER+STRICT indicators seen in that entity's
  incidents, readable by CGII staff and that entity's users only (an entity-scoped token
  sees only its own entity). Id: UUIDv5 of the entity.
- ``inbox``: write-only; POSTed envelopes go through the STIX import service.

TLP:RED is never published. A collection the user may not access is answered 404 (as if
it did not exist), so another entity's AMBER collection is not revealed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from cgii.entidades.models import Entidad
from cgii.entidades.selectors import es_personal_cgii, ids_entidades_de

from .. import selectors
from ..models import Indicador, IndicadorIncidente

ESPACIO = uuid.UUID("6f1c3a52-2b0e-5d3c-9a4e-7c1b0f2d9e10")
TLP_AMBER = ("amber", "amber+strict")


def id_coleccion(clave: str) -> str:
    return str(uuid.uuid5(ESPACIO, f"taxii:{clave}"))


ID_CLEAR = id_coleccion("clear")
ID_GREEN = id_coleccion("green")
ID_INBOX = id_coleccion("inbox")


def id_amber(entidad_id: int) -> str:
    return id_coleccion(f"amber:entidad:{entidad_id}")


@dataclass(frozen=True)
class Coleccion:
    id: str
    titulo: str
    descripcion: str
    lectura: bool
    escritura: bool
    tlps: tuple[str, ...] = ()
    entidad_id: int | None = None

    def recurso(self) -> dict:
        return {"id": self.id, "title": self.titulo, "description": self.descripcion,
                "can_read": self.lectura, "can_write": self.escritura,
                "media_types": ["application/stix+json;version=2.1"]}


def _fijas(usuario) -> list[Coleccion]:
    salida = [Coleccion(ID_CLEAR, "Indicadores nacionales TLP:CLEAR",
                        "Indicadores de compromiso del CGII de difusión libre.", True, False,
                        ("clear",))]
    if es_personal_cgii(usuario) or ids_entidades_de(usuario):
        salida.append(Coleccion(ID_GREEN, "Indicadores nacionales TLP:GREEN",
                                "Para las entidades registradas y el CGII.", True, False,
                                ("green",)))
    return salida


def _amber(entidad: Entidad) -> Coleccion:
    return Coleccion(id_amber(entidad.pk), f"TLP:AMBER de {entidad.sigla}",
                     f"Indicadores TLP:AMBER vistos en incidentes de {entidad.nombre}.",
                     True, False, TLP_AMBER, entidad.pk)


def _inbox() -> Coleccion:
    return Coleccion(ID_INBOX, "Buzón de entrada",
                     "Las entidades y el CGII envían aquí objetos STIX 2.1 (se importan).",
                     False, True)


def colecciones_de(usuario) -> list[Coleccion]:
    salida = _fijas(usuario)
    if es_personal_cgii(usuario):
        entidades = Entidad.objects.order_by("pk")
    else:
        entidades = Entidad.objects.filter(pk__in=ids_entidades_de(usuario)).order_by("pk")
    salida += [_amber(e) for e in entidades]
    salida.append(_inbox())
    return salida


def coleccion_obtener(usuario, coleccion_id: str) -> Coleccion | None:
    """The collection if the user may access it; None otherwise (answered 404)."""
    for c in _fijas(usuario):
        if c.id == coleccion_id:
            return c
    if coleccion_id == ID_INBOX:
        return _inbox()
    todas = es_personal_cgii(usuario)
    ids = None if todas else ids_entidades_de(usuario)
    qs = Entidad.objects.all() if todas else Entidad.objects.filter(pk__in=ids)
    for e in qs.only("pk", "sigla", "nombre"):
        if id_amber(e.pk) == coleccion_id:
            return _amber(e)
    return None


def indicadores_de(usuario, coleccion: Coleccion) -> QuerySet[Indicador]:
    """The indicators a collection publishes to this user, annotated like
    ``selectors.indicadores_compartibles`` (``fecha``, ``propio``). RED never; revoked and
    expired ones left out. An entity's AMBER collection: for staff the national AMBER rows
    that entity saw; for the entity's own users their own view of their sightings marked
    AMBER or AMBER+STRICT (never the TLP another entity gave the value)."""
    tlps = tuple(t for t in coleccion.tlps if t != "red")
    if coleccion.entidad_id is None:
        return selectors.indicadores_compartibles(usuario, tlps=tlps)
    if not es_personal_cgii(usuario):
        return selectors.indicadores_compartibles(usuario, tlps=tlps,
                                                  entidades={coleccion.entidad_id})
    return Indicador.objects.filter(
        Q(valido_hasta__isnull=True) | Q(valido_hasta__gt=timezone.now()),
        revocado=False, tlp__in=tlps,
    ).filter(Exists(IndicadorIncidente.objects.filter(
        indicador=OuterRef("pk"), incidente__entidad_id=coleccion.entidad_id))).annotate(
        fecha=F("modificado"), propio=Value(False))
