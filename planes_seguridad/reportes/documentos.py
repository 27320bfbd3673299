"""Figures → ``Documento`` (cgii/reportes/documento.py): the renderers in ``cgii.reportes``
turn it into HTML, PDF, XLSX and CSV. Percentages stay on the 0–100 scale here."""

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cgii.reportes.documento import Cifra, Columna, Documento, Grafico, Seccion, Serie, Tabla

from . import riesgos
from .cumplimiento import FigurasCumplimiento
from .nacional import FigurasNacional

FMT = "%d/%m/%Y"
# Charts of the national report show this many entities (the tables show all).
RANKING_EN_GRAFICO = 30
MAPA_EN_DOCUMENTO: int | None = 40
SLA_ETIQUETAS = {"acuse": "Acuse de recibo", "contencion": "Contención",
                 "resolucion": "Resolución"}


def _si_no(valor: bool) -> str:
    return _("Sí") if valor else _("No")


# ---- entity compliance --------------------------------------------------------------------

def documento_cumplimiento(f: FigurasCumplimiento) -> Documento:
    periodo = f.periodo
    nombre_periodo = periodo.nombre if periodo else _("sin periodo cerrado")
    secciones = [
        _resumen(f), _gobernanza(f), _implementacion(f), _aplicabilidad(f), _cronograma(f),
        _evidencia(f), _hallazgos(f), _incidentes(f), _tendencia(f),
    ]
    if f.riesgos is not None:
        secciones.insert(4, riesgos.seccion_plan(f.riesgos))
    sufijo = (f"{periodo.fecha_corte:%Y%m%d}" if periodo else "sin-periodo")
    return Documento(
        tipo="cumplimiento-entidad",
        titulo=_("Informe de cumplimiento del PISI"),
        subtitulo=f"{f.entidad} ({f.sigla}) — {_('gestión')} {f.gestion}, v{f.version}",
        parametros=[
            (_("Entidad"), f"{f.sigla} — {f.entidad}"),
            (_("Plan"), f"{f.gestion} v{f.version} ({f.catalogo}), {f.estado_etiqueta}"),
            (_("Periodo de seguimiento"), nombre_periodo),
            (_("Fecha de corte"), periodo.fecha_corte.strftime(FMT) if periodo else "—"),
        ],
        corte=f.corte, generado_en=timezone.now(), secciones=secciones,
        nombre_archivo=slugify(f"cumplimiento-{f.sigla}-{f.gestion}-{sufijo}"))


def _resumen(f: FigurasCumplimiento) -> Seccion:
    cifras = [
        Cifra(_("Cumplimiento de la implementación"), f.cumplimiento, "porcentaje", meta=100,
              nota=_("Σ(peso × puntaje) / Σ(peso) de los controles evaluados")),
        Cifra(_("Cobertura de evidencia"), f.evidencia.porcentaje, "porcentaje",
              nota=_("Controles evaluados con evidencia aprobada vigente")),
        Cifra(_("Actividades vencidas terminadas"), f.cronograma.porcentaje, "porcentaje"),
        Cifra(_("Actividades atrasadas"), f.cronograma.atrasadas, "entero"),
        Cifra(_("Hallazgos abiertos"), f.hallazgos.abiertos, "entero"),
        Cifra(_("Requisitos de gobernanza cumplidos"),
              sum(i.ok for i in f.gobernanza), "entero", meta=len(f.gobernanza)),
    ]
    if f.incidentes is not None:
        cifras.append(Cifra(_("Incidentes reportados en el periodo"), f.incidentes.recibidos,
                            "entero"))
    texto = "" if f.periodo else _(
        "El plan aún no tiene un periodo de seguimiento cerrado: no hay instantánea con "
        "resultados de la revisión.")
    return Seccion(clave="resumen", titulo=_("Resumen"), texto=texto, cifras=cifras)


def _gobernanza(f: FigurasCumplimiento) -> Seccion:
    return Seccion(clave="gobernanza", titulo=_("Gobernanza"), tablas=[Tabla(
        clave="gobernanza", titulo=_("Requisitos de gobernanza"),
        columnas=[Columna(_("Requisito")), Columna(_("Cumple")), Columna(_("Detalle"))],
        filas=[[i.titulo, _si_no(i.ok), i.detalle] for i in f.gobernanza],
        nota=_("Seguimiento a tiempo: presentado por la entidad hasta la fecha de corte del "
               "periodo (inclusive)."))])


def _implementacion(f: FigurasCumplimiento) -> Seccion:
    etiquetas = [d.numero for d in f.dominios]
    filas = [[d.numero, d.titulo, d.evaluados, d.cumple, d.parcial, d.no_cumple, d.no_aplica,
              d.cumplimiento, d.cobertura] for d in f.dominios]
    t = f.total
    return Seccion(
        clave="implementacion", titulo=_("Implementación por dominio"),
        cifras=[Cifra(_("Cumplimiento de la implementación"), f.cumplimiento, "porcentaje",
                      meta=100),
                Cifra(_("Controles evaluados"), t.evaluados, "entero")],
        graficos=[Grafico(tipo="barras", titulo=_("Cumplimiento por dominio o tema"),
                          categorias=etiquetas,
                          series=[Serie(_("Cumplimiento"), [d.cumplimiento for d in f.dominios])],
                          formato="porcentaje", maximo=100)] if f.dominios else [],
        tablas=[Tabla(
            clave="dominios", titulo=_("Cumplimiento por dominio o tema"),
            columnas=[Columna(_("Dominio")), Columna(_("Título")),
                      Columna(_("Evaluados"), "entero"), Columna(_("Cumple"), "entero"),
                      Columna(_("Parcial"), "entero"), Columna(_("No cumple"), "entero"),
                      Columna(_("No aplica"), "entero"),
                      Columna(_("Cumplimiento"), "porcentaje"),
                      Columna(_("Cobertura de evidencia"), "porcentaje")],
            filas=filas,
            total=[_("Total"), "", t.evaluados, t.cumple, t.parcial, t.no_cumple, t.no_aplica,
                   t.cumplimiento, t.cobertura],
            nota=_("Cumple = 1, cumple parcialmente = 0,5, no cumple = 0; «no aplica» se "
                   "excluye. Ponderado por el peso de cada control."))])


def _aplicabilidad(f: FigurasCumplimiento) -> Seccion:
    t = f.total
    return Seccion(
        clave="aplicabilidad", titulo=_("Declaración de aplicabilidad"),
        cifras=[Cifra(_("Controles aplicables"), t.aplicables, "entero"),
                Cifra(_("Controles excluidos"), t.excluidos, "entero")],
        tablas=[
            Tabla(clave="aplicabilidad", titulo=_("Aplicabilidad por dominio o tema"),
                  columnas=[Columna(_("Dominio")), Columna(_("Título")),
                            Columna(_("Controles"), "entero"), Columna(_("Aplican"), "entero"),
                            Columna(_("Excluidos"), "entero")],
                  filas=[[d.numero, d.titulo, d.controles, d.aplicables, d.excluidos]
                         for d in f.dominios],
                  total=[_("Total"), "", t.controles, t.aplicables, t.excluidos]),
            Tabla(clave="exclusiones", titulo=_("Controles excluidos y su justificación"),
                  columnas=[Columna(_("Control")), Columna(_("Título")), Columna(_("Dominio")),
                            Columna(_("Justificación"))],
                  filas=[[e.numero, e.titulo, e.dominio, e.justificacion]
                         for e in f.exclusiones]),
        ])


def _cronograma(f: FigurasCumplimiento) -> Seccion:
    c = f.cronograma
    return Seccion(
        clave="cronograma", titulo=_("Cumplimiento del cronograma"),
        texto=_("Al corte del %(c)s.") % {"c": c.corte.strftime(FMT)},
        cifras=[Cifra(_("Actividades del cronograma"), c.total, "entero"),
                Cifra(_("Vencidas al corte"), c.vencen, "entero"),
                Cifra(_("Terminadas al corte"), c.terminadas, "entero"),
                Cifra(_("Terminadas a tiempo"), c.terminadas_a_tiempo, "entero"),
                Cifra(_("Vencidas terminadas"), c.porcentaje, "porcentaje", meta=100),
                Cifra(_("Actividades atrasadas"), c.atrasadas, "entero"),
                Cifra(_("Mediana de días de atraso"), c.mediana_dias, "dias"),
                Cifra(_("Máximo de días de atraso"), c.maximo_dias, "dias")],
        tablas=[Tabla(clave="actividades-atrasadas", titulo=_("Actividades atrasadas al corte"),
                      columnas=[Columna(_("Actividad")), Columna(_("Fin planificado"), "fecha"),
                                Columna(_("Avance"), "porcentaje"),
                                Columna(_("Días de atraso"), "entero")],
                      filas=[[a.titulo, a.fin_planificado, a.avance, a.dias]
                             for a in c.detalle])])


def _evidencia(f: FigurasCumplimiento) -> Seccion:
    e = f.evidencia
    return Seccion(
        clave="evidencia", titulo=_("Cobertura de evidencia"),
        cifras=[Cifra(_("Controles evaluados"), e.evaluados, "entero"),
                Cifra(_("Con evidencia aprobada"), e.con_evidencia, "entero"),
                Cifra(_("Cobertura de evidencia"), e.porcentaje, "porcentaje", meta=100),
                Cifra(_("«Cumple» sin evidencia"), len(e.cumple_sin_evidencia), "entero")],
        tablas=[Tabla(clave="cumple-sin-evidencia",
                      titulo=_("Controles «cumple» sin evidencia aprobada"),
                      columnas=[Columna(_("Control")), Columna(_("Título")),
                                Columna(_("Dominio"))],
                      filas=[[c.numero, c.titulo, c.dominio] for c in e.cumple_sin_evidencia])])


def _hallazgos(f: FigurasCumplimiento) -> Seccion:
    h = f.hallazgos
    return Seccion(
        clave="hallazgos", titulo=_("Hallazgos"),
        texto=_("Hallazgos registrados hasta el cierre del periodo; abiertos o cerrados a esa "
                "fecha."),
        cifras=[Cifra(_("Hallazgos"), h.total, "entero"),
                Cifra(_("Abiertos"), h.abiertos, "entero"),
                Cifra(_("Cerrados"), h.cerrados, "entero"),
                Cifra(_("Tiempo medio de cierre"), h.promedio_dias_cierre, "dias")],
        graficos=[Grafico(tipo="barras", titulo=_("Hallazgos por grado"),
                          categorias=[g.etiqueta for g in h.por_grado],
                          series=[Serie(_("Abiertos"), [g.abiertos for g in h.por_grado]),
                                  Serie(_("Cerrados"), [g.cerrados for g in h.por_grado])])],
        tablas=[Tabla(clave="hallazgos-grado", titulo=_("Hallazgos por grado"),
                      columnas=[Columna(_("Grado")), Columna(_("Abiertos"), "entero"),
                                Columna(_("Cerrados"), "entero")],
                      filas=[[g.etiqueta, g.abiertos, g.cerrados] for g in h.por_grado],
                      total=[_("Total"), h.abiertos, h.cerrados])])


def _incidentes(f: FigurasCumplimiento) -> Seccion:
    rango = _("Del %(d)s al %(h)s.") % {"d": f.incidentes_desde.strftime(FMT),
                                       "h": f.incidentes_hasta.strftime(FMT)}
    g = f.incidentes
    if g is None:
        return Seccion(clave="incidentes", titulo=_("Incidentes de la entidad"),
                       texto=rango + " " + _("Las cifras de incidentes no están disponibles."))
    sla = [[_(SLA_ETIQUETAS.get(k, k)), c.total, c.cumplidos, c.incumplidos, c.en_curso,
            c.porcentaje] for k, c in g.sla.items()]
    return Seccion(
        clave="incidentes", titulo=_("Incidentes de la entidad"), texto=rango,
        cifras=[Cifra(_("Incidentes reportados"), g.recibidos, "entero")],
        tablas=[
            Tabla(clave="incidentes-categoria", titulo=_("Incidentes por categoría"),
                  columnas=[Columna(_("Categoría")), Columna(_("Incidentes"), "entero")],
                  filas=[[c, n] for c, n in g.por_categoria]),
            Tabla(clave="incidentes-sla", titulo=_("Cumplimiento de SLA"),
                  columnas=[Columna(_("Meta")), Columna(_("Total"), "entero"),
                            Columna(_("Cumplidos"), "entero"),
                            Columna(_("Incumplidos"), "entero"),
                            Columna(_("En curso"), "entero"),
                            Columna(_("Cumplimiento"), "porcentaje")],
                  filas=sla),
        ])


def _tendencia(f: FigurasCumplimiento) -> Seccion:
    puntos = f.tendencia
    dominios = [d.numero for d in f.dominios]
    for p in puntos:
        for numero in p["por_dominio"]:
            if numero not in dominios:
                dominios.append(numero)
    series = [Serie(_("Total"), [p["cumplimiento"] for p in puntos])]
    series += [Serie(numero, [p["por_dominio"].get(numero) for p in puntos])
               for numero in dominios]
    return Seccion(
        clave="tendencia", titulo=_("Tendencia entre periodos"),
        graficos=[Grafico(tipo="lineas", titulo=_("Cumplimiento por periodo cerrado"),
                          categorias=[p["nombre"] for p in puntos], series=series,
                          formato="porcentaje", maximo=100)] if puntos else [],
        tablas=[Tabla(
            clave="tendencia", titulo=_("Cumplimiento por periodo cerrado"),
            columnas=[Columna(_("Periodo")), Columna(_("Corte"), "fecha"),
                      Columna(_("Cumplimiento"), "porcentaje"),
                      Columna(_("Evaluados"), "entero"), Columna(_("Con evidencia"), "entero"),
                      *[Columna(_("Dominio %(n)s") % {"n": n}, "porcentaje")
                        for n in dominios]],
            filas=[[p["nombre"], p["fecha_corte"], p["cumplimiento"], p["evaluados"],
                    p["con_evidencia"], *[p["por_dominio"].get(n) for n in dominios]]
                   for p in puntos])])


# ---- national -----------------------------------------------------------------------------

def documento_nacional(f: FigurasNacional) -> Documento:
    secciones = [_aprobados(f), _distribucion(f), *[_mapa(f, m) for m in f.mapas],
                 _debiles(f), _sin_seguimiento(f), _ranking(f)]
    if f.riesgos is not None:
        secciones.insert(-1, riesgos.seccion_nacional(f.riesgos))
    return Documento(
        tipo="nacional", titulo=_("Informe nacional de PISI"),
        subtitulo=_("Gestión %(g)d") % {"g": f.gestion},
        parametros=[(_("Gestión"), str(f.gestion)),
                    (_("Entidades activas"), str(len(f.entidades)))],
        corte=f.corte, generado_en=timezone.now(), secciones=secciones,
        nombre_archivo=f"pisi-nacional-{f.gestion}")


def _desglose(clave: str, titulo: str, primera: str, filas) -> Tabla:
    total = sum(d.total for d in filas)
    aprobados = sum(d.aprobados for d in filas)
    return Tabla(clave=clave, titulo=titulo,
                 columnas=[Columna(primera), Columna(_("Entidades"), "entero"),
                           Columna(_("Con PISI aprobado"), "entero"),
                           Columna(_("Porcentaje"), "porcentaje")],
                 filas=[[d.etiqueta, d.total, d.aprobados, d.porcentaje] for d in filas],
                 total=[_("Total"), total, aprobados,
                        round(100 * aprobados / total, 1) if total else None])


def _aprobados(f: FigurasNacional) -> Seccion:
    return Seccion(
        clave="pisi-aprobados", titulo=_("PISI aprobados"),
        texto=_("Entidades activas del nivel central con un PISI de la gestión %(g)d aprobado "
                "por su MAE (aprobado, vigente, en actualización, reemplazado o vencido), "
                "frente a la meta del 100 %%.") % {"g": f.gestion},
        cifras=[Cifra(_("Entidades del nivel central con PISI aprobado"),
                      f.porcentaje_aprobados, "porcentaje", meta=f.meta),
                Cifra(_("Con PISI aprobado"), f.centrales_aprobados, "entero",
                      meta=f.centrales),
                Cifra(_("Entidades del nivel central"), f.centrales, "entero"),
                Cifra(_("Entidades sin plan en la gestión"), f.sin_plan, "entero")],
        graficos=[Grafico(tipo="barras", titulo=_("PISI aprobados por nivel"),
                          categorias=[d.etiqueta for d in f.por_nivel],
                          series=[Serie(_("Con PISI aprobado"),
                                        [d.porcentaje for d in f.por_nivel])],
                          formato="porcentaje", maximo=100, meta=f.meta)],
        tablas=[
            _desglose("aprobados-nivel", _("Por nivel"), _("Nivel"), f.por_nivel),
            _desglose("aprobados-tipo", _("Por tipo de entidad"), _("Tipo"), f.por_tipo),
            Tabla(clave="planes-estado", titulo=_("Entidades por estado de su plan"),
                  columnas=[Columna(_("Estado")), Columna(_("Entidades"), "entero")],
                  filas=[[etiqueta, n] for _e, etiqueta, n in f.por_estado],
                  total=[_("Total"), sum(n for *_r, n in f.por_estado)],
                  nota=_("Estado de la versión más reciente del plan de la gestión.")),
        ])


def _distribucion(f: FigurasNacional) -> Seccion:
    return Seccion(
        clave="distribucion", titulo=_("Distribución del cumplimiento"),
        texto=_("Cumplimiento de cada entidad en su último periodo de seguimiento cerrado de la "
                "gestión (instantánea congelada)."),
        cifras=[Cifra(_("Entidades con periodo cerrado"), f.con_puntaje, "entero"),
                Cifra(_("Cumplimiento promedio"), f.promedio_cumplimiento, "porcentaje",
                      meta=100)],
        graficos=[Grafico(tipo="barras", titulo=_("Entidades por tramo de cumplimiento"),
                          categorias=[t for t, _n in f.distribucion],
                          series=[Serie(_("Entidades"), [n for _t, n in f.distribucion])])],
        tablas=[Tabla(clave="distribucion", titulo=_("Entidades por tramo de cumplimiento"),
                      columnas=[Columna(_("Tramo")), Columna(_("Entidades"), "entero")],
                      filas=[[t, n] for t, n in f.distribucion],
                      total=[_("Total"), f.con_puntaje],
                      nota=_("Cada tramo incluye su límite inferior; 100 % va en 90–100 %."))])


def _mapa(f: FigurasNacional, m) -> Seccion:
    """Heatmap of one catalog (2013 domains and 2022 themes share numbers, so one map per
    catalog): the ``MAPA_EN_DOCUMENTO`` entities with the lowest score, chart and table.
    Every entity's score and coverage are in the ranking. Why not all 500: the PDF renderer
    (WeasyPrint) spends ~5 ms per table cell and ~20 ms per heat-map cell on the bench
    machine, and the national PDF must be ready in < 10 s; set the constant to None to
    include every entity."""
    numeros = [d.numero for d in m.dominios]
    filas = sorted(m.filas, key=lambda e: (e.cumplimiento, e.sigla))
    if MAPA_EN_DOCUMENTO is not None:
        filas = filas[:MAPA_EN_DOCUMENTO]
    recorte = len(filas) < len(m.filas)
    texto = _("Cumplimiento por entidad y dominio o tema (%(c)s), de menor a mayor "
              "cumplimiento total.") % {"c": m.nombre}
    if recorte:
        texto += " " + _("Se muestran las %(n)d entidades con menor cumplimiento de %(t)d.") % {
            "n": len(filas), "t": len(m.filas)}
    return Seccion(
        clave=f"mapa-{slugify(m.codigo)}", titulo=_("Mapa de calor %(c)s") % {"c": m.nombre},
        texto=texto,
        graficos=[Grafico(tipo="mapa_calor", titulo=_("Entidad × dominio"),
                          categorias=numeros,
                          series=[Serie(e.sigla, [e.por_dominio.get(n) for n in numeros])
                                  for e in filas],
                          formato="porcentaje", maximo=100)] if filas else [],
        tablas=[Tabla(
            clave=f"mapa-{slugify(m.codigo)}", titulo=_("Cumplimiento por entidad y dominio"),
            columnas=[Columna(_("Entidad")), Columna(_("Total"), "porcentaje"),
                      *[Columna(n, "porcentaje") for n in numeros]],
            filas=[[e.sigla, e.cumplimiento, *[e.por_dominio.get(n) for n in numeros]]
                   for e in filas],
            total=[_("Promedio de todas"), None, *[d.promedio for d in m.dominios]],
            nota=_("Promedio: media simple sobre todas las entidades con valor en el "
                   "dominio."))])


def _debiles(f: FigurasNacional) -> Seccion:
    peores = f.debiles[:10]
    return Seccion(
        clave="dominios-debiles", titulo=_("Dominios más débiles"),
        graficos=[Grafico(tipo="barras_horizontales", titulo=_("Dominios con menor promedio"),
                          categorias=[f"{d.numero} {d.titulo}" for _c, d in peores],
                          series=[Serie(_("Promedio"), [d.promedio for _c, d in peores])],
                          formato="porcentaje", maximo=100)] if peores else [],
        tablas=[Tabla(clave="dominios-debiles", titulo=_("Dominios por promedio de cumplimiento"),
                      columnas=[Columna(_("Catálogo")), Columna(_("Dominio")),
                                Columna(_("Título")), Columna(_("Promedio"), "porcentaje"),
                                Columna(_("Entidades"), "entero")],
                      filas=[[c, d.numero, d.titulo, d.promedio, d.entidades]
                             for c, d in f.debiles],
                      nota=_("Promedio simple del cumplimiento de cada entidad en el dominio."))])


def _sin_seguimiento(f: FigurasNacional) -> Seccion:
    return Seccion(
        clave="sin-seguimiento", titulo=_("Seguimiento no presentado"),
        cifras=[Cifra(_("Entidades sin seguimiento presentado"), len(f.sin_seguimiento),
                      "entero")],
        tablas=[Tabla(clave="sin-seguimiento",
                      titulo=_("Entidades que no presentaron su seguimiento"),
                      columnas=[Columna(_("Sigla")), Columna(_("Entidad")), Columna(_("Motivo")),
                                Columna(_("Fecha de corte"), "fecha")],
                      filas=[[s.sigla, s.nombre, s.motivo, s.fecha_corte]
                             for s in f.sin_seguimiento],
                      nota=_("Entidades con el plan de la gestión vigente o en actualización, al "
                             "%(h)s.") % {"h": f.hoy.strftime(FMT)})])


def _ranking(f: FigurasNacional) -> Seccion:
    """One row per scored entity with its evidence coverage beside its score."""
    primeras = f.ranking[:RANKING_EN_GRAFICO]
    return Seccion(
        clave="ranking", titulo=_("Ranking de cumplimiento"),
        graficos=[Grafico(
            tipo="barras_horizontales",
            titulo=_("Cumplimiento y cobertura de evidencia (primeras %(n)d)")
            % {"n": RANKING_EN_GRAFICO},
            categorias=[e.sigla for e in primeras],
            series=[Serie(_("Cumplimiento"), [e.cumplimiento for e in primeras]),
                    Serie(_("Cobertura de evidencia"), [e.cobertura for e in primeras])],
            formato="porcentaje", maximo=100)] if primeras else [],
        tablas=[Tabla(clave="ranking", titulo=_("Ranking de cumplimiento"),
                      columnas=[Columna(_("Puesto"), "entero"), Columna(_("Sigla")),
                                Columna(_("Cumplimiento"), "porcentaje"),
                                Columna(_("Cobertura de evidencia"), "porcentaje")],
                      filas=[[i, e.sigla, e.cumplimiento, e.cobertura]
                             for i, e in enumerate(f.ranking, start=1)],
                      nota=_("Último periodo cerrado de cada entidad en la gestión; empate: "
                             "mayor cobertura, luego sigla."))])
