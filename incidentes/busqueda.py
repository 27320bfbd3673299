"""Incidents in the search index (registered from ``IncidentesConfig.ready``).

One document per incident: code (exact key), title (A), description and affected assets (B),
messages shared with the entity (C) and — staff only — internal comments and task notes in
``interno``. Visible to the incident's entity and to CGII staff. Rebuilt from the outbox
events every incident change already emits.
"""

from __future__ import annotations

import re

from django.urls import reverse

from cgii.busqueda.documentos import Documento
from cgii.busqueda.registro import (
    TipoDocumento,
    registrar_fuente,
    registrar_normalizador,
    registrar_tipo,
)

from .models import TLP, EntradaTimeline, Incidente, TipoEntrada
from .states import Estado

TIPOS_COMPARTIDOS = (TipoEntrada.MENSAJE, TipoEntrada.SOLICITUD, TipoEntrada.RESPUESTA)
TIPOS_INTERNOS = (TipoEntrada.COMENTARIO, TipoEntrada.TAREA)
_CODIGO = re.compile(r"^cgii-\d{4}-\d+$", re.IGNORECASE)


def construir(ids: list[int]) -> list[Documento]:
    incidentes = list(Incidente.objects.filter(pk__in=ids)
                      .select_related("entidad", "tipo", "tipo__clase")
                      .only("id", "codigo", "titulo", "descripcion", "activos_afectados",
                            "resumen_cierre", "motivo_rechazo", "lecciones_aprendidas",
                            "estado", "prioridad", "tlp", "creado", "entidad_id",
                            "entidad__sigla", "tipo__nombre", "tipo__codigo",
                            "tipo__clase__codigo", "tipo__clase__nombre"))
    if not incidentes:
        return []
    compartidos: dict[int, list[str]] = {}
    internos: dict[int, list[str]] = {}
    filas = (EntradaTimeline.objects.filter(incidente_id__in=[i.pk for i in incidentes])
             .exclude(texto="").filter(tipo__in=TIPOS_COMPARTIDOS + TIPOS_INTERNOS)
             .order_by("incidente_id", "id")
             .values_list("incidente_id", "visible_entidad", "texto"))
    for incidente_id, visible, texto in filas:
        (compartidos if visible else internos).setdefault(incidente_id, []).append(texto)
    documentos = []
    for inc in incidentes:
        clase = inc.tipo.clase if inc.tipo_id else None
        documentos.append(Documento(
            tipo="incidente", objeto_id=inc.pk, entidades=(inc.entidad_id,),
            entidad_id=inc.entidad_id, clave=inc.codigo, titulo=inc.titulo,
            texto="\n".join(x for x in (inc.descripcion, inc.activos_afectados,
                                        inc.resumen_cierre, inc.motivo_rechazo) if x),
            mensajes="\n".join(compartidos.get(inc.pk, [])),
            interno="\n".join(internos.get(inc.pk, []) + (
                [inc.lecciones_aprendidas] if inc.lecciones_aprendidas else [])),
            estado=inc.estado, prioridad=inc.prioridad, tlp=inc.tlp,
            categoria=clase.codigo if clase else "",
            anio=inc.creado.year, fecha=inc.creado,
            datos={"codigo": inc.codigo, "entidad_sigla": inc.entidad.sigla,
                   "tipo_incidente": inc.tipo.nombre if inc.tipo_id else "",
                   "clase": clase.nombre if clase else ""},
        ))
    return documentos


def todos():
    ultimo = 0
    while True:
        lote = list(Incidente.objects.filter(pk__gt=ultimo).order_by("pk")
                    .values_list("pk", flat=True)[:1000])
        if not lote:
            return
        yield lote
        ultimo = lote[-1]


def url(objeto_id: int, datos: dict) -> str:
    return reverse("incidentes:detalle", args=[objeto_id])


def afectados(evento) -> dict:
    incidente = (evento.datos or {}).get("incidente") or {}
    if not incidente.get("id"):
        return {}
    salida = {"incidente": [incidente["id"]]}
    if evento.tipo == "incidente.creado" and incidente.get("entidad_id"):
        salida["entidad"] = [incidente["entidad_id"]]  # core type: a new entity shows up
    return salida


def codigo_exacto(texto: str):
    if _CODIGO.match(texto):
        yield texto.upper()


def _etiquetas_categoria() -> dict[str, str]:
    # Class names come from the catalog (database); read lazily, not at import.
    try:
        from protocolos.models import ClaseIncidente

        return dict(ClaseIncidente.objects.values_list("codigo", "nombre"))
    except Exception:  # noqa: BLE001 - before migrations: codes stay as labels
        return {}


class _Categorias(dict):
    """Facet labels for incident classes, read from the catalog the first time they are
    needed (registration runs before the database may be touched)."""

    _cargado = False

    def _cargar(self):
        if not self._cargado:
            self.update(_etiquetas_categoria())
            self._cargado = bool(self)

    def items(self):
        self._cargar()
        return super().items()


def registrar() -> None:
    registrar_tipo(TipoDocumento(
        nombre="incidente", indice="incidentes", etiqueta="Incidente", construir=construir,
        todos=todos, url=url, orden=10,
        etiquetas={"estado": {k: str(v) for k, v in Estado.choices},
                   "tlp": {k: str(v) for k, v in TLP.choices},
                   "prioridad": {f"P{i}": f"P{i}" for i in range(1, 5)},
                   "categoria": _Categorias()},
    ))
    registrar_fuente(nombre="busqueda.incidentes", tipos=("incidente.*", "timeline.nuevo"),
                     afectados=afectados)
    registrar_normalizador(codigo_exacto)
