"""STIX 2.1 bundles we produce (read side: every read goes through the selectors).

- ``bundle_incidente``: the CGII Identity (``created_by_ref`` of everything), the reporting
  entity's Identity only when the incident is TLP:CLEAR or TLP:GREEN (otherwise the
  sightings carry no ``where_sighted_refs``), the Incident SDO (with the OASIS incident-core
  extension when ``INDICADORES_STIX_INCIDENT_CORE``), its Indicators, their SCOs and one
  Observed-data + Sighting per link, ``indicates``/``related-to`` Relationships, and the TLP
  2.0 marking definitions used.
- ``bundle_feed``: the national indicator feed by TLP and date, one keyset page.

Warninglisted values (``listas``) are left out of every bundle, feed and TAXII page.

Every id is deterministic (``stix``): exporting twice gives the same objects, so consumers
de-duplicate. Tests validate every bundle with stix2-validator.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings

from cgii.bd.replica import leer_de_replica
from cgii.entidades.selectors import es_personal_cgii
from incidentes.models import Incidente
from incidentes.states import Estado

from . import conf, listas, selectors, stix, vista
from .models import ROLES_QUE_INDICAN, Indicador
from .normalizacion import TipoIndicador, sco_de

ID_CGII = stix.id_cgii("identity", "cgii")
CREADO_CGII = "2026-01-01T00:00:00.000Z"


def identidad_cgii() -> dict:
    return {
        "type": "identity", "spec_version": stix.ESPECIFICACION, "id": ID_CGII,
        "created": CREADO_CGII, "modified": CREADO_CGII,
        "name": "CGII - Centro de Gestión de Incidentes Informáticos (AGETIC)",
        "description": "CSIRT de gobierno del Estado Plurinacional de Bolivia.",
        "identity_class": "organization", "sectors": ["government"],
        "contact_information": settings.DEFAULT_FROM_EMAIL,
        "object_marking_refs": [stix.TLP2_IDS["clear"]],
    }


def id_entidad(entidad_id: int) -> str:
    return stix.id_cgii("identity", f"entidad:{entidad_id}")


def identidad_entidad(entidad, tlp: str) -> dict:
    creado = stix.ts(entidad.creado)
    return {
        "type": "identity", "spec_version": stix.ESPECIFICACION, "id": id_entidad(entidad.pk),
        "created_by_ref": ID_CGII, "created": creado, "modified": creado,
        "name": entidad.nombre, "identity_class": "organization", "sectors": ["government"],
        "object_marking_refs": [stix.TLP2_IDS[tlp]],
    }


def id_incidente(incidente: Incidente) -> str:
    return stix.id_cgii("incident", incidente.codigo)


def _extension_incident_core(incidente: Incidente) -> dict:
    if incidente.estado == Estado.REPORTADO:
        estado = "new"
    elif incidente.estado in (Estado.RESUELTO, Estado.CERRADO, Estado.RECHAZADO,
                              Estado.DUPLICADO):
        estado = "closed"
    else:
        estado = "open"
    if incidente.estado == Estado.RECHAZADO:
        determinacion = "false-positive"
    elif incidente.estado in (Estado.REPORTADO, Estado.EN_TRIAJE):
        determinacion = "suspected"
    else:
        determinacion = "confirmed"
    extension = {"extension_type": "property-extension", "investigation_status": estado,
                 "determination": determinacion}
    if incidente.tipo_id:
        extension["incident_types"] = [incidente.tipo.codigo]
    return extension


def objeto_incidente(incidente: Incidente) -> dict:
    objeto = {
        "type": "incident", "spec_version": stix.ESPECIFICACION, "id": id_incidente(incidente),
        "created_by_ref": ID_CGII, "created": stix.ts(incidente.creado),
        "modified": stix.ts(max(incidente.actualizado, incidente.creado)),
        "name": f"{incidente.codigo}: {incidente.titulo}", "description": incidente.descripcion,
        "external_references": [{"source_name": "cgii", "external_id": incidente.codigo}],
        "object_marking_refs": [stix.TLP2_IDS[incidente.tlp]],
    }
    if conf.valor("INDICADORES_STIX_INCIDENT_CORE"):
        objeto["extensions"] = {stix.EXTENSION_INCIDENT_CORE:
                                _extension_incident_core(incidente)}
    return objeto


def objeto_indicador(ind: Indicador, *, completo: bool = True) -> dict:
    """The Indicator SDO of a row. ``completo=False`` (entity users) leaves out the name and
    description, which another entity's import may have written."""
    etiqueta = TipoIndicador(ind.tipo).label
    nombre = ind.nombre if completo and ind.nombre else f"{etiqueta}: {ind.valor}"[:255]
    objeto = {
        "type": "indicator", "spec_version": stix.ESPECIFICACION, "id": ind.stix_id,
        "created_by_ref": ID_CGII, "created": stix.ts(ind.creado),
        "modified": stix.ts(max(ind.modificado, ind.creado)), "name": str(nombre),
        "description": (ind.descripcion if completo and ind.descripcion
                        else f"Indicador {etiqueta} registrado por el CGII."),
        "pattern": ind.patron, "pattern_type": "stix", "pattern_version": "2.1",
        "valid_from": stix.ts(ind.valido_desde),
        "object_marking_refs": [stix.TLP2_IDS[ind.tlp]],
    }
    if ind.tipos_stix:
        objeto["indicator_types"] = list(ind.tipos_stix)
    if ind.valido_hasta and ind.valido_hasta > ind.valido_desde:
        objeto["valid_until"] = stix.ts(ind.valido_hasta)
    if ind.confianza is not None:
        objeto["confidence"] = ind.confianza
    if ind.revocado:
        objeto["revoked"] = True
    return objeto


def objeto_sco(ind: Indicador) -> dict | None:
    sco = sco_de(ind.tipo, ind.valor) if ind.sco_id else None
    if sco is None:
        return None
    tipo, contribuyentes = sco
    return {"type": tipo, "spec_version": stix.ESPECIFICACION, "id": ind.sco_id,
            **contribuyentes, "object_marking_refs": [stix.TLP2_IDS[ind.tlp]]}


def _bundle(objetos: list[dict]) -> dict:
    usados = set()
    for objeto in objetos:
        for ref in objeto.get("object_marking_refs", ()):
            usados.add(stix.TLP_POR_ID[ref])
    marcas = [stix.marking_tlp(c) for c in stix.ORDEN_TLP if c in usados]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [*marcas, *objetos]}


def bundle_incidente(*, usuario, incidente_id: int) -> dict:
    incidente, vinculos = selectors.vinculos_de_incidente(usuario=usuario,
                                                          incidente_id=incidente_id)
    completo = es_personal_cgii(usuario)
    tlp = incidente.tlp
    marca = [stix.TLP2_IDS[tlp]]
    objetos = [identidad_cgii()]
    donde = []
    if tlp in ("clear", "green"):
        objetos.append(identidad_entidad(incidente.entidad, tlp))
        donde = [id_entidad(incidente.entidad_id)]
    sdo = objeto_incidente(incidente)
    objetos.append(sdo)
    for v in vinculos:
        if not listas.publicable(v.indicador):
            # A warninglisted value (the empty file's hash, a public resolver) is never
            # shared for blocking, whatever door added it (issue 16); the incident's page
            # and API say so next to the value.
            continue
        # Staff export the national row; an entity user their own sighting's view (their
        # TLP, confidence and times: nothing another entity reported).
        ind = v.indicador if completo else vista.de_vinculo(v)
        objetos.append(objeto_indicador(ind, completo=completo))
        sco = objeto_sco(ind)
        visto = stix.ts(v.agregado_en)
        primero = v.primera_vez or v.agregado_en
        ultimo = max(v.ultima_vez or primero, primero)
        partes = (incidente.codigo, str(ind.stix_uuid))
        avistamiento = {
            "type": "sighting", "spec_version": stix.ESPECIFICACION,
            "id": stix.id_cgii("sighting", *partes), "created_by_ref": ID_CGII,
            "created": visto, "modified": visto, "first_seen": stix.ts(primero),
            "last_seen": stix.ts(ultimo), "count": v.conteo, "sighting_of_ref": ind.stix_id,
            "description": f"Visto en el incidente {incidente.codigo}.",
            "object_marking_refs": marca,
        }
        if sco is not None:
            objetos.append(sco)
            observado = {
                "type": "observed-data", "spec_version": stix.ESPECIFICACION,
                "id": stix.id_cgii("observed-data", *partes), "created_by_ref": ID_CGII,
                "created": visto, "modified": visto, "first_observed": stix.ts(primero),
                "last_observed": stix.ts(ultimo), "number_observed": max(1, v.conteo),
                "object_refs": [sco["id"]], "object_marking_refs": marca,
            }
            objetos.append(observado)
            avistamiento["observed_data_refs"] = [observado["id"]]
        if donde:
            avistamiento["where_sighted_refs"] = donde
        objetos.append(avistamiento)
        tipo_rel = "indicates" if v.rol in ROLES_QUE_INDICAN else "related-to"
        objetos.append({
            "type": "relationship", "spec_version": stix.ESPECIFICACION,
            "id": stix.id_cgii("relationship", tipo_rel, ind.stix_id, sdo["id"]),
            "created_by_ref": ID_CGII, "created": visto, "modified": visto,
            "relationship_type": tipo_rel, "source_ref": ind.stix_id, "target_ref": sdo["id"],
            "object_marking_refs": marca,
        })
    return _bundle(objetos)


def objetos_compartidos(usuario, filas, *, entidades=None, vigentes: bool = True) -> list[dict]:
    """Indicator SDOs of rows from ``selectors.indicadores_compartibles``: the national row
    for staff and for national CLEAR/GREEN rows, the user's own view (``vista``, built from
    their own sightings in one query) for rows marked ``propio``."""
    personal = es_personal_cgii(usuario)
    propias = {f.pk: f for f in filas if getattr(f, "propio", False)}
    vistas = {}
    if propias:
        vinculos = selectors.vinculos_propios(usuario, entidades=entidades, vigentes=vigentes)
        por_indicador = vista.agrupar(vinculos.filter(indicador_id__in=list(propias)))
        vistas = {pk: vista.de_vinculos(propias[pk], vs) for pk, vs in por_indicador.items()}
    return [objeto_indicador(vistas.get(f.pk, f), completo=personal) for f in filas]


@leer_de_replica
def bundle_feed(*, usuario, tlps, desde: datetime | None = None, hasta: datetime | None = None,
                despues: selectors.Cursor | None = None,
                limite: int | None = None) -> tuple[dict, selectors.Cursor | None]:
    """National indicator feed: indicators the user may receive at the asked TLP levels,
    changed in [desde, hasta), current (not revoked, not expired), warninglisted values left
    out (a feed is for blocking). One keyset page and the cursor of the next."""
    limite = min(limite or conf.valor("INDICADORES_FEED_LIMITE"),
                 conf.valor("INDICADORES_FEED_LIMITE_MAX"))
    qs = selectors.indicadores_compartibles(usuario, tlps=tlps, desde=desde, hasta=hasta)
    filas, siguiente = selectors.pagina_keyset(qs, despues=despues, limite=limite,
                                               publicable=listas.publicable)
    return _bundle([identidad_cgii(), *objetos_compartidos(usuario, filas)]), siguiente


__all__ = ["ID_CGII", "bundle_feed", "bundle_incidente", "identidad_cgii", "objeto_indicador",
           "objeto_sco", "objetos_compartidos"]
