"""The "fuentes-externas" report (issue 19): affected hosts per entity and class over time,
and the time from the first event to the entity's acknowledgement. HTML, PDF, XLSX and CSV
through cgii.reportes, scoped like every report (entity users: their own entity).

Definitions: an aggregation counts when its day falls in [desde, hasta] and it was
notified (consolidated); hosts = distinct hosts of the aggregation (one day); time to
acknowledgement = acknowledged − first event of the aggregation, in wall-clock hours, over
the acknowledged notices and incidents (the "registro" policy asks for none).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.reportes.documento import Cifra, Columna, Documento, Grafico, Seccion, Serie, Tabla
from cgii.reportes.registro import TipoReporte
from protocolos.models import TipoIncidente

from ..reportes.forms import GestionIncidentesForm
from ..reportes.tipos import parametros_visibles, puede_ver
from .models import Politica
from .rsit import TIPO_CGII
from .selectors import agregaciones_visibles

CLAVE = "fuentes-externas"
MESES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
TOP_CLASES = 6


@dataclass
class FigurasFuentes:
    desde: date
    hasta: date
    meses: list[date] = field(default_factory=list)
    # {class name: [hosts per month]}
    por_clase: dict[str, list[int]] = field(default_factory=dict)
    # [(sigla, nombre, aggregations, events, hosts, acknowledged, pending, median h)]
    por_entidad: list[tuple] = field(default_factory=list)
    horas_acuse: list[float] = field(default_factory=list)
    pendientes: int = 0
    hosts: int = 0
    agregaciones: int = 0


def _clase_de() -> dict[str, str]:
    """IntelMQ classification.type → the CGII class name."""
    por_tipo = dict(TipoIncidente.objects.values_list("codigo", "clase__nombre"))
    return {t: por_tipo.get(c, c) for t, c in TIPO_CGII.items()}


def _mediana(valores: list[float]) -> float | None:
    return round(statistics.median(valores), 1) if valores else None


def _percentil(valores: list[float], p: float) -> float | None:
    if not valores:
        return None
    ordenados = sorted(valores)
    return round(ordenados[min(len(ordenados) - 1, int(p / 100 * len(ordenados)))], 1)


def figuras_fuentes(*, usuario, desde: date, hasta: date,
                    entidad_id: int | None = None) -> FigurasFuentes:
    qs = agregaciones_visibles(usuario).filter(periodo__gte=desde, periodo__lte=hasta,
                                               consolidado_en__isnull=False)
    if entidad_id is not None:
        qs = qs.filter(entidad_id=entidad_id)
    f = FigurasFuentes(desde=desde, hasta=hasta)
    mes = date(desde.year, desde.month, 1)
    while mes <= hasta:
        f.meses.append(mes)
        mes = date(mes.year + mes.month // 12, mes.month % 12 + 1, 1)
    indice = {m: i for i, m in enumerate(f.meses)}
    clase_de = _clase_de()
    serie: dict[str, list[int]] = defaultdict(lambda: [0] * len(f.meses))
    for periodo, clasificacion, hosts in (qs.values_list("periodo", "clasificacion")
                                          .annotate(h=Sum("hosts")).order_by()):
        serie[clase_de.get(clasificacion, clasificacion)][
            indice[date(periodo.year, periodo.month, 1)]] += hosts or 0
    f.por_clase = dict(sorted(serie.items(), key=lambda kv: -sum(kv[1])))
    acuses: dict[int, list[float]] = defaultdict(list)
    for entidad, primero, acusado in qs.filter(acusado_en__isnull=False).values_list(
            "entidad_id", "primer_evento", "acusado_en"):
        if primero:
            horas = max(0.0, (acusado - primero).total_seconds() / 3600)
            acuses[entidad].append(horas)
            f.horas_acuse.append(horas)
    filas = (qs.values("entidad_id", "entidad__sigla", "entidad__nombre")
             .annotate(n=Count("id"), eventos=Sum("eventos"), hosts=Sum("hosts"),
                       acusadas=Count("acusado_en")).order_by("-hosts", "entidad__sigla"))
    con_acuse = qs.exclude(politica=Politica.REGISTRO)
    pendientes = dict(con_acuse.filter(acusado_en__isnull=True).values_list("entidad_id")
                      .annotate(n=Count("id")).order_by())
    for r in filas:
        f.por_entidad.append((r["entidad__sigla"], r["entidad__nombre"], r["n"],
                              r["eventos"] or 0, r["hosts"] or 0, r["acusadas"],
                              pendientes.get(r["entidad_id"], 0),
                              _mediana(acuses.get(r["entidad_id"], []))))
    f.pendientes = sum(pendientes.values())
    f.hosts = sum(r[4] for r in f.por_entidad)
    f.agregaciones = sum(r[2] for r in f.por_entidad)
    return f


def documento_fuentes(f: FigurasFuentes, *, parametros) -> Documento:
    meses = [f"{MESES[m.month - 1]} {m.year}" for m in f.meses]
    clases = list(f.por_clase.items())
    resumen = Seccion(
        clave="resumen", titulo=_("Resumen"),
        texto=_("Eventos de fuentes externas (IntelMQ) agregados por entidad, fuente, "
                "clasificación y día. Hosts: hosts distintos de cada día. Tiempo al acuse: "
                "del primer evento al acuse de recibo de la entidad, en horas corridas."),
        cifras=[Cifra(_("Agregaciones notificadas"), f.agregaciones),
                Cifra(_("Hosts afectados (suma por día)"), f.hosts),
                Cifra(_("Acuses de recibo"), len(f.horas_acuse)),
                Cifra(_("Sin acuse de recibo"), f.pendientes),
                Cifra(_("Mediana al acuse (h)"), _mediana(f.horas_acuse), "decimal"),
                Cifra(_("Percentil 90 al acuse (h)"), _percentil(f.horas_acuse, 90),
                      "decimal")])
    tiempo = Seccion(
        clave="hosts-por-clase", titulo=_("Hosts afectados por clase y mes"),
        graficos=[Grafico(tipo="lineas", titulo=_("Hosts afectados por mes: las %(n)d "
                                                   "clases con más hosts") % {"n": TOP_CLASES},
                          categorias=meses,
                          series=[Serie(c, v) for c, v in clases[:TOP_CLASES]])],
        tablas=[Tabla(clave="hosts-por-clase", titulo=_("Hosts afectados por clase y mes"),
                      columnas=[Columna(_("Clase"))] + [Columna(m, "entero") for m in meses]
                      + [Columna(_("Total"), "entero")],
                      filas=[[c, *v, sum(v)] for c, v in clases])])
    entidades = Seccion(
        clave="por-entidad", titulo=_("Por entidad"),
        tablas=[Tabla(clave="fuentes-por-entidad", titulo=_("Hosts y acuses por entidad"),
                      columnas=[Columna(_("Sigla")), Columna(_("Entidad")),
                                Columna(_("Agregaciones"), "entero"),
                                Columna(_("Eventos"), "entero"), Columna(_("Hosts"), "entero"),
                                Columna(_("Con acuse"), "entero"),
                                Columna(_("Sin acuse"), "entero"),
                                Columna(_("Mediana al acuse (h)"), "decimal")],
                      filas=[list(r) for r in f.por_entidad])])
    return Documento(
        tipo=CLAVE, titulo=_("Informe de fuentes externas"),
        subtitulo=_("Del %(d)s al %(h)s") % {"d": f.desde.strftime("%d/%m/%Y"),
                                              "h": f.hasta.strftime("%d/%m/%Y")},
        parametros=parametros, corte=timezone.now(), generado_en=timezone.now(),
        secciones=[resumen, tiempo, entidades],
        nombre_archivo=f"{CLAVE}-{f.desde.isoformat()}-{f.hasta.isoformat()}")


def construir(*, usuario, parametros: dict, progreso=None) -> Documento:
    figuras = figuras_fuentes(usuario=usuario, desde=parametros["desde"],
                              hasta=parametros["hasta"], entidad_id=parametros.get("entidad"))
    return documento_fuentes(figuras, parametros=parametros_visibles(usuario=usuario,
                                                                     parametros=parametros))


FUENTES_EXTERNAS = TipoReporte(
    clave=CLAVE, titulo=gettext_lazy("Fuentes externas (IntelMQ)"),
    descripcion=gettext_lazy("Hosts afectados por entidad y clase a lo largo del tiempo, y "
                             "tiempo desde el primer evento hasta el acuse de recibo de la "
                             "entidad."),
    formulario=GestionIncidentesForm, puede_ver=puede_ver, construir=construir, orden=35)
