"""Indicators in the search index (registered from ``IndicadoresConfig.ready``).

One document per normalised indicator: the value is the exact key (a pasted, defanged
value is normalised before the lookup), its type is the category facet. An entity user may
see it only when one of their entity's incidents saw it (as ``indicador_obtener``): the
document lists those entities in ``entidades`` and never says which incidents or how many.
Indicators nobody linked to an incident (imports) are staff only.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cgii.busqueda.documentos import Documento
from cgii.busqueda.registro import (
    TipoDocumento,
    registrar_busqueda_valores,
    registrar_fuente,
    registrar_normalizador,
    registrar_tipo,
)
from incidentes.models import TLP

from .models import Indicador, IndicadorIncidente
from .normalizacion import TipoIndicador, ValorInvalido, normalizar
from .selectors import buscar_valores


def construir(ids: list[int]) -> list[Documento]:
    indicadores = list(Indicador.objects.filter(pk__in=ids).only(
        "id", "tipo", "valor", "nombre", "descripcion", "tlp", "revocado", "valido_hasta",
        "creado"))
    if not indicadores:
        return []
    entidades: dict[int, set[int]] = {}
    for indicador_id, entidad_id in (IndicadorIncidente.objects
                                     .filter(indicador_id__in=[i.pk for i in indicadores])
                                     .values_list("indicador_id", "incidente__entidad_id")
                                     .distinct()):
        entidades.setdefault(indicador_id, set()).add(entidad_id)
    ahora = timezone.now()
    tipos = dict(TipoIndicador.choices)
    documentos = []
    for i in indicadores:
        if i.revocado:
            estado = "revocado"
        elif i.valido_hasta and i.valido_hasta <= ahora:
            estado = "vencido"
        else:
            estado = "vigente"
        documentos.append(Documento(
            tipo="indicador", objeto_id=i.pk, entidades=tuple(sorted(entidades.get(i.pk, ()))),
            entidad_id=None, clave=i.valor, titulo=i.valor,
            texto="\n".join(x for x in (i.nombre, i.descripcion) if x),
            estado=estado, categoria=i.tipo, tlp=i.tlp, anio=i.creado.year, fecha=i.creado,
            datos={"tipo_indicador": str(tipos.get(i.tipo, i.tipo)), "valor": i.valor[:300]},
        ))
    return documentos


def todos():
    ultimo = 0
    while True:
        lote = list(Indicador.objects.filter(pk__gt=ultimo).order_by("pk")
                    .values_list("pk", flat=True)[:5000])
        if not lote:
            return
        yield lote
        ultimo = lote[-1]


def url(objeto_id: int, datos: dict) -> str:
    """The IOC lookup for this value: which incidents the caller may see recorded it."""
    try:
        from urllib.parse import urlencode

        return f"{reverse('busqueda:inicio')}?{urlencode({'modo': 'ioc', 'valores': datos.get('valor', '')})}"
    except NoReverseMatch:
        return ""


def afectados(evento) -> dict:
    """Indicators whose sightings changed: added to or removed from an incident (the
    incident's timeline entry lists up to 50 ids and the total), or created by an import."""
    datos = evento.datos or {}
    if evento.tipo == "stix.importacion.progreso":
        if datos.get("estado") != "completada" or not datos.get("importacion"):
            return {}
        return {"indicador": list(Indicador.objects.filter(importacion_id=datos["importacion"])
                                  .values_list("pk", flat=True))}
    entrada = (datos.get("entrada") or {}).get("datos") or {}
    ids = [i for i in entrada.get("indicadores") or [] if isinstance(i, int)]
    if isinstance(entrada.get("quitado"), int):
        ids.append(entrada["quitado"])
    total = entrada.get("total")
    incidente_id = (datos.get("incidente") or {}).get("id")
    if isinstance(total, int) and total > len(ids) and incidente_id:
        ids += list(IndicadorIncidente.objects.filter(incidente_id=incidente_id)
                    .values_list("indicador_id", flat=True))
    return {"indicador": ids} if ids else {}


def valor_normalizado(texto: str):
    try:
        yield normalizar(texto).valor
    except ValorInvalido:
        return


def registrar() -> None:
    registrar_tipo(TipoDocumento(
        nombre="indicador", indice="indicadores", etiqueta="Indicador", construir=construir,
        todos=todos, url=url, orden=20,
        etiquetas={"categoria": {k: str(v) for k, v in TipoIndicador.choices},
                   "tlp": {k: str(v) for k, v in TLP.choices},
                   "estado": {"vigente": "Vigente", "vencido": "Vencido",
                              "revocado": "Revocado"}},
    ))
    registrar_fuente(nombre="busqueda.indicadores",
                     tipos=("timeline.nuevo", "stix.importacion.progreso"), afectados=afectados)
    registrar_normalizador(valor_normalizado)
    registrar_busqueda_valores(buscar_valores)


registrar()
