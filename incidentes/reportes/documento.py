"""The incident management report as a ``cgii.reportes.Documento`` (rendered by cgii/reportes)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.reportes.documento import Cifra, Columna, Documento, Grafico, Seccion, Serie, Tabla
from protocolos.models import Medida

from .figuras import MEDIDAS, PRIORIDADES, FigurasGestion, FilaGrupo

CLAVE = "gestion-incidentes"
TOP_GRAFICO = 15  # bars in a ranking chart (the table beside it lists every row)
MESES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


def _medida(m: str) -> str:
    return str(Medida(m).label)


def _mes(d) -> str:
    return f"{MESES[d.month - 1]} {d.year}"


def _tabla_grupo(clave: str, titulo: str, primera: str, filas: list[FilaGrupo],
                 detalle: str | None = None) -> Tabla:
    columnas = [Columna(primera)]
    if detalle:
        columnas.append(Columna(detalle))
    columnas += [Columna(_("Recibidos"), "entero"), Columna(_("Vulnerabilidades"), "entero"),
                 Columna(_("Descartados"), "entero"), Columna(_("Resueltos"), "entero"),
                 Columna(_("Abiertos al corte"), "entero"),
                 Columna(_("% SLA resolución"), "porcentaje")]
    cuerpo = []
    for f in filas:
        fila = [f.etiqueta] + ([f.detalle] if detalle else [])
        fila += [f.recibidos, f.vulnerabilidades, f.descartados, f.resueltos, f.abiertos,
                 f.sla_resolucion.porcentaje]
        cuerpo.append(fila)
    total = [_("Total")] + ([""] if detalle else [])
    total += [sum(f.recibidos for f in filas), sum(f.vulnerabilidades for f in filas),
              sum(f.descartados for f in filas), sum(f.resueltos for f in filas),
              sum(f.abiertos for f in filas), None]
    return Tabla(clave=clave, titulo=titulo, columnas=columnas, filas=cuerpo, total=total)


def _grafico_grupo(titulo: str, filas: list[FilaGrupo], tipo: str = "barras") -> Grafico:
    return Grafico(tipo=tipo, titulo=titulo, categorias=[f.etiqueta for f in filas],
                   series=[Serie(_("Recibidos"), [f.recibidos for f in filas]),
                           Serie(_("Resueltos"), [f.resueltos for f in filas])])


def documento_gestion(figuras: FigurasGestion, *, parametros: list[tuple[str, str]]) -> Documento:
    f = figuras
    nota_sla = _("Porcentaje de relojes decididos (cumplidos + incumplidos) que se cumplieron; "
                 "meta: 100 %.")
    resumen = Seccion(
        clave="resumen", titulo=_("Resumen"),
        texto=_("Recibidos: creados entre las fechas (hora de La Paz). Resueltos: resueltos en "
                "el periodo. Abiertos: sin resolver al corte. El SLA se mide sobre los "
                "recibidos no descartados (rechazados o duplicados)."),
        cifras=[
            Cifra(_("Recibidos"), f.recibidos),
            Cifra(_("Incidentes"), f.recibidos_incidentes),
            Cifra(_("Reportes de vulnerabilidad"), f.recibidos_vulnerabilidades),
            Cifra(_("Descartados (rechazados o duplicados)"), f.descartados),
            Cifra(_("Resueltos en el periodo"), f.resueltos),
            Cifra(_("Abiertos al corte"), f.abiertos),
            *[Cifra(_("%% SLA %(m)s") % {"m": _medida(m).lower()}, f.sla[m].porcentaje,
                    "porcentaje", meta=100, nota=nota_sla) for m in MEDIDAS],
            Cifra(_("Incumplimientos de SLA"), f.incumplimientos_total),
        ],
    )

    categorias = Seccion(
        clave="categorias", titulo=_("Por categoría"),
        graficos=[_grafico_grupo(_("Recibidos y resueltos: las %(n)d categorías más frecuentes")
                                 % {"n": TOP_GRAFICO}, f.categorias[:TOP_GRAFICO],
                                 "barras_horizontales")],
        tablas=[_tabla_grupo("por-categoria", _("Por categoría (tipo de la taxonomía)"),
                             _("Tipo"), f.categorias, detalle=_("Clase"))],
    )
    prioridades = Seccion(
        clave="prioridades", titulo=_("Por prioridad"),
        graficos=[_grafico_grupo(_("Recibidos y resueltos por prioridad"), f.prioridades)],
        tablas=[_tabla_grupo("por-prioridad", _("Por prioridad"), _("Prioridad"),
                             f.prioridades)],
    )
    niveles = Seccion(
        clave="niveles", titulo=_("Por nivel de entidad"),
        graficos=[_grafico_grupo(_("Recibidos y resueltos por nivel de entidad"), f.niveles)],
        tablas=[_tabla_grupo("por-nivel", _("Por nivel de entidad"), _("Nivel"), f.niveles)],
    )
    entidades = Seccion(
        clave="entidades", titulo=_("Por entidad"),
        graficos=[_grafico_grupo(_("Recibidos y resueltos: las %(n)d entidades con más "
                                   "incidentes") % {"n": TOP_GRAFICO},
                                 f.entidades[:TOP_GRAFICO], "barras_horizontales")],
        tablas=[_tabla_grupo("por-entidad", _("Por entidad"), _("Sigla"), f.entidades,
                             detalle=_("Entidad"))],
    )

    col_sla = [Columna(_("Relojes"), "entero"), Columna(_("Cumplidos"), "entero"),
               Columna(_("Incumplidos"), "entero"), Columna(_("En curso"), "entero"),
               Columna(_("% cumplimiento"), "porcentaje")]
    filas_sla = [[_medida(m), c.total, c.cumplidos, c.incumplidos, c.en_curso, c.porcentaje]
                 for m, c in ((m, f.sla[m]) for m in MEDIDAS)]
    filas_pri = []
    for p in PRIORIDADES:
        for m in MEDIDAS:
            c = f.sla_por_prioridad.get(p, {}).get(m)
            if c and c.total:
                filas_pri.append([p, _medida(m), c.total, c.cumplidos, c.incumplidos,
                                  c.en_curso, c.porcentaje])
    sla = Seccion(
        clave="sla", titulo=_("Cumplimiento de SLA"),
        texto=_("Un reloj está cumplido si se detuvo dentro del objetivo antes del corte e "
                "incumplido si su vencimiento llegó antes del corte sin detenerse a tiempo; "
                "los demás están en curso. Meta: atender el 100 % dentro del SLA."),
        graficos=[Grafico(tipo="barras", titulo=_("% de cumplimiento por medida"),
                          categorias=[_medida(m) for m in MEDIDAS],
                          series=[Serie(_("% cumplimiento"),
                                        [f.sla[m].porcentaje for m in MEDIDAS])],
                          formato="porcentaje", maximo=100, meta=100)],
        tablas=[Tabla(clave="sla", titulo=_("SLA por medida"),
                      columnas=[Columna(_("Medida"))] + col_sla, filas=filas_sla),
                Tabla(clave="sla-prioridad", titulo=_("SLA por prioridad y medida"),
                      columnas=[Columna(_("Prioridad")), Columna(_("Medida"))] + col_sla,
                      filas=filas_pri)],
    )

    nombres_tiempo = {"acuse": _("Primera respuesta (MTTA)"),
                      "contencion": _("Contención (MTTC)"),
                      "resolucion": _("Resolución (MTTR)")}
    tiempos = Seccion(
        clave="tiempos", titulo=_("Tiempos medios"),
        texto=_("Promedio sobre los relojes detenidos al corte. Tiempo corrido: desde el "
                "reporte hasta la detención. Tiempo hábil: en el calendario de la política "
                "de SLA, sin las pausas (espera a la entidad)."),
        cifras=[Cifra(_("MTTA (horas corridas)"), f.tiempos["acuse"].pared_horas, "horas"),
                Cifra(_("MTTA (horas hábiles)"), f.tiempos["acuse"].laboral_horas, "horas"),
                Cifra(_("MTTR (horas corridas)"), f.tiempos["resolucion"].pared_horas, "horas"),
                Cifra(_("MTTR (horas hábiles)"), f.tiempos["resolucion"].laboral_horas,
                      "horas")],
        graficos=[Grafico(tipo="barras", titulo=_("Tiempos medios (horas)"),
                          categorias=[nombres_tiempo[m] for m in MEDIDAS],
                          series=[Serie(_("Corrido"), [f.tiempos[m].pared_horas
                                                       for m in MEDIDAS]),
                                  Serie(_("Hábil"), [f.tiempos[m].laboral_horas
                                                     for m in MEDIDAS])],
                          formato="horas")],
        tablas=[Tabla(clave="tiempos", titulo=_("Tiempos medios"),
                      columnas=[Columna(_("Medida")), Columna(_("Relojes detenidos"), "entero"),
                                Columna(_("Corrido (h)"), "horas"),
                                Columna(_("Hábil (h)"), "horas")],
                      filas=[[nombres_tiempo[m], f.tiempos[m].n, f.tiempos[m].pared_horas,
                              f.tiempos[m].laboral_horas] for m in MEDIDAS])],
    )

    nota_inc = ""
    if f.incumplimientos_total > len(f.incumplimientos):
        nota_inc = _("Se muestran los %(n)d incumplimientos más recientes de %(t)d.") % {
            "n": len(f.incumplimientos), "t": f.incumplimientos_total}
    incumplimientos = Seccion(
        clave="incumplimientos", titulo=_("Incumplimientos"),
        cifras=[Cifra(_("Incumplimientos de SLA"), f.incumplimientos_total)],
        tablas=[Tabla(
            clave="incumplimientos", titulo=_("Lista de incumplimientos"),
            columnas=[Columna(_("Incidente")), Columna(_("Entidad")), Columna(_("Prioridad")),
                      Columna(_("Medida")), Columna(_("Vencía"), "fecha_hora"),
                      Columna(_("Detectado"), "fecha_hora"), Columna(_("Motivo"))],
            filas=[[i.codigo, i.entidad, i.prioridad, _medida(i.medida), i.vence,
                    i.detectado_en, i.motivo] for i in f.incumplimientos],
            nota=nota_inc)],
    )

    backlog = Seccion(
        clave="backlog", titulo=_("Antigüedad de los abiertos"),
        texto=_("Incidentes abiertos al corte según los días transcurridos desde su reporte."),
        graficos=[Grafico(tipo="barras", titulo=_("Abiertos por antigüedad"),
                          categorias=[e for e, _n in f.backlog],
                          series=[Serie(_("Abiertos"), [n for _e, n in f.backlog])])],
        tablas=[Tabla(clave="backlog", titulo=_("Abiertos por antigüedad"),
                      columnas=[Columna(_("Antigüedad")), Columna(_("Abiertos"), "entero")],
                      filas=[[e, n] for e, n in f.backlog],
                      total=[_("Total"), sum(n for _e, n in f.backlog)])],
    )

    meses = [_mes(m.mes) for m in f.meses]
    tendencia = Seccion(
        clave="tendencia", titulo=_("Tendencia mensual"),
        texto=_("Recibidos por mes de reporte, resueltos por mes de resolución; % SLA de "
                "resolución de los recibidos en el mes."),
        graficos=[Grafico(tipo="lineas", titulo=_("Recibidos y resueltos por mes"),
                          categorias=meses,
                          series=[Serie(_("Recibidos"), [m.recibidos for m in f.meses]),
                                  Serie(_("Resueltos"), [m.resueltos for m in f.meses])]),
                  Grafico(tipo="lineas", titulo=_("% SLA de resolución por mes"),
                          categorias=meses,
                          series=[Serie(_("% SLA resolución"),
                                        [m.sla_resolucion.porcentaje for m in f.meses])],
                          formato="porcentaje", maximo=100, meta=100)],
        tablas=[Tabla(clave="tendencia", titulo=_("Tendencia mensual"),
                      columnas=[Columna(_("Mes")), Columna(_("Recibidos"), "entero"),
                                Columna(_("Resueltos"), "entero"),
                                Columna(_("% SLA resolución"), "porcentaje")],
                      filas=[[_mes(m.mes), m.recibidos, m.resueltos,
                              m.sla_resolucion.porcentaje] for m in f.meses])],
    )

    secciones = [resumen, categorias, prioridades, niveles, entidades, sla, tiempos, incumplimientos, backlog, tendencia]
    return Documento(
        tipo=CLAVE,
        titulo=_("Informe de gestión de incidentes y vulnerabilidades"),
        subtitulo=_("Del %(d)s al %(h)s") % {"d": f.desde.strftime("%d/%m/%Y"),
                                              "h": f.hasta.strftime("%d/%m/%Y")},
        parametros=parametros,
        corte=f.corte,
        generado_en=timezone.now(),
        secciones=secciones,
        nombre_archivo=f"{CLAVE}-{f.desde.isoformat()}-{f.hasta.isoformat()}",
    )
