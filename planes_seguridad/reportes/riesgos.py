"""Risk figures of the PISI reports (issue 23): the entity's risk register and heat maps in
its compliance report, and the national risk picture (per entity, and the residual heat map
of every plan evaluated on the matrix in force) in the national report. Both render to HTML,
PDF and XLSX through ``cgii.reportes`` like every other section.

Risk records are live data (not frozen by the follow-up periods): these sections show the
assessment as it stands when the report is built, and say so.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cgii.reportes.documento import Cifra, Columna, Grafico, Seccion, Serie, Tabla

from .. import riesgo, selectors
from ..models import ActivoInformacion, EscenarioRiesgo, MatrizRiesgo, Tratamiento

TRATAMIENTOS = dict(Tratamiento.choices)
# The national table shows the most exposed entities only: WeasyPrint spends ~5 ms per table
# cell and the national PDF must stay under 10 s with 500 entities (the same reason as
# documentos.MAPA_EN_DOCUMENTO). The totals row still counts every entity. None: all.
RIESGOS_EN_DOCUMENTO: int | None = 25


def _grafico_mapa(titulo: str, mapa: dict) -> Grafico:
    """A heat map as the reports draw it: one row per probability (highest first), one
    column per impact, the number of scenarios in each cell."""
    return Grafico(tipo="mapa_calor", titulo=titulo,
                   categorias=[f"{i['valor']} {i['etiqueta']}" for i in mapa["impacto"]],
                   series=[Serie(f"{f['probabilidad']} {f['etiqueta']}",
                                 [c["n"] for c in f["celdas"]]) for f in mapa["filas"]])


# ---- one plan (entity compliance report) -----------------------------------------------------

@dataclass
class RiesgosPlan:
    matriz: str
    resumen: dict
    faltantes: list[str]
    inherente: dict
    residual: dict
    filas: list[list] = field(default_factory=list)


def figuras_plan(plan) -> RiesgosPlan:
    matriz = selectors.matriz_de(plan)
    escenarios = list(selectors.riesgos_de(plan=plan))

    def nombre(codigo):
        return riesgo.nombre_nivel(matriz, codigo) if matriz and codigo else (codigo or None)

    filas = [[e.codigo, f"{e.activo.codigo} {e.activo.nombre}",
              f"[{e.amenaza.codigo}] {e.amenaza.titulo}", nombre(e.nivel),
              str(TRATAMIENTOS.get(e.tratamiento, "")) or None,
              ", ".join(f.control.numero for f in e.controles.all()) or None,
              nombre(e.nivel_residual),
              (e.aceptado_por.get_full_name() or e.aceptado_por.get_username())
              if e.aceptado_por_id else None] for e in escenarios]
    return RiesgosPlan(
        matriz=str(matriz) if matriz else "—",
        resumen=selectors.resumen_riesgos(plan=plan, escenarios=escenarios),
        faltantes=plan.riesgos_faltantes(),
        inherente=selectors.mapa_calor(matriz=matriz, escenarios=escenarios),
        residual=selectors.mapa_calor(matriz=matriz, escenarios=escenarios, residual=True),
        filas=filas)


def seccion_plan(r: RiesgosPlan) -> Seccion:
    texto = _("Evaluación de riesgos del plan sobre %(m)s, tal como está al generar el "
              "informe.") % {"m": r.matriz}
    if r.faltantes:
        texto += " " + _("Le falta: %(f)s") % {"f": " ".join(r.faltantes)}
    graficos = []
    if r.inherente["filas"]:
        graficos = [_grafico_mapa(_("Riesgo inherente (escenarios por celda)"), r.inherente),
                    _grafico_mapa(_("Riesgo residual (escenarios por celda)"), r.residual)]
    return Seccion(
        clave="riesgos", titulo=_("Gestión de riesgos"), texto=texto,
        cifras=[Cifra(_("Activos de información"), r.resumen["activos"], "entero"),
                Cifra(_("Escenarios de riesgo"), r.resumen["escenarios"], "entero"),
                Cifra(_("Con tratamiento"), r.resumen["tratados"], "entero",
                      meta=r.resumen["escenarios"]),
                Cifra(_("Aceptados por la MAE"), r.resumen["aceptados"], "entero"),
                Cifra(_("Por aceptar (MAE)"), len(r.resumen["por_aceptar"]), "entero")],
        graficos=graficos,
        tablas=[
            Tabla(clave="riesgos-niveles", titulo=_("Escenarios por nivel"),
                  columnas=[Columna(_("Nivel")), Columna(_("Inherente"), "entero"),
                            Columna(_("Residual"), "entero")],
                  filas=[[n["nombre"], n["inherente"], n["residual"]]
                         for n in r.resumen["niveles"]]),
            Tabla(clave="registro-riesgos", titulo=_("Registro de riesgos"),
                  columnas=[Columna(_("Código")), Columna(_("Activo")), Columna(_("Amenaza")),
                            Columna(_("Inherente")), Columna(_("Tratamiento")),
                            Columna(_("Controles")), Columna(_("Residual")),
                            Columna(_("Aceptado por la MAE"))],
                  filas=r.filas)])


# ---- every entity (national report) ----------------------------------------------------------

@dataclass
class RiesgoEntidad:
    sigla: str
    activos: int = 0
    escenarios: int = 0
    sin_tratamiento: int = 0
    sin_residual: int = 0
    residual_alto: int = 0  # at or above the level the MAE must accept
    por_aceptar: int = 0
    aceptados: int = 0

    @property
    def completa(self) -> bool:
        """The aggregate view of ``riesgo.faltantes`` (without the per-control links)."""
        return bool(self.activos and self.escenarios and not self.sin_tratamiento
                    and not self.sin_residual and not self.por_aceptar)


@dataclass
class RiesgosNacional:
    matriz: str
    planes: int
    con_registro: int
    completas: int
    escenarios: int
    residual_alto: int
    por_aceptar: int
    aceptados: int
    mapa: dict
    entidades: list[RiesgoEntidad]


def figuras_nacional(planes: dict[int, str]) -> RiesgosNacional:
    """``planes``: {plan id: entity sigla} (each entity's newest plan of the gestión). Three
    aggregate queries whatever the number of plans: assets per plan, scenarios per plan
    with their counts, and the residual heat map of the plans on the matrix in force."""
    matriz = MatrizRiesgo.objects.filter(vigente=True).order_by("codigo", "-version").first()
    altos = ([n["codigo"] for n in matriz.niveles
              if riesgo.orden(matriz, n["codigo"]) >= riesgo.orden(
                  matriz, matriz.aceptacion_mae_desde)] if matriz else [])
    ids = list(planes)
    filas = {pid: RiesgoEntidad(sigla=sigla) for pid, sigla in planes.items()}
    for f in (ActivoInformacion.objects.filter(plan_id__in=ids).order_by()
              .values("plan_id").annotate(n=Count("id"))):
        filas[f["plan_id"]].activos = f["n"]
    requiere = Q(tratamiento=Tratamiento.ACEPTAR) | Q(nivel_residual__in=altos)
    for f in (EscenarioRiesgo.objects.filter(plan_id__in=ids).order_by().values("plan_id")
              .annotate(n=Count("id"), sin_tratamiento=Count("id", filter=Q(tratamiento="")),
                        sin_residual=Count("id", filter=~Q(tratamiento="") & Q(
                            nivel_residual="")),
                        residual_alto=Count("id", filter=Q(nivel_residual__in=altos)),
                        por_aceptar=Count("id", filter=requiere & ~Q(nivel_residual="") & Q(
                            aceptado_por__isnull=True)),
                        aceptados=Count("id", filter=Q(aceptado_por__isnull=False)))):
        e = filas[f["plan_id"]]
        e.escenarios, e.sin_tratamiento, e.sin_residual = (f["n"], f["sin_tratamiento"],
                                                           f["sin_residual"])
        e.residual_alto, e.por_aceptar, e.aceptados = (f["residual_alto"], f["por_aceptar"],
                                                       f["aceptados"])
    mapa = {"filas": [], "impacto": [], "total": 0}
    if matriz is not None:
        celdas = (EscenarioRiesgo.objects.filter(plan_id__in=ids, plan__matriz_riesgo=matriz,
                                                 probabilidad_residual__isnull=False)
                  .order_by().values("probabilidad_residual", "impacto_residual")
                  .annotate(n=Count("id")))
        mapa = selectors.mapa_calor(matriz=matriz, residual=True, conteos={
            (c["probabilidad_residual"], c["impacto_residual"]): c["n"] for c in celdas})
    entidades = sorted(filas.values(), key=lambda e: (-e.residual_alto, -e.por_aceptar,
                                                      e.sigla))
    return RiesgosNacional(
        matriz=str(matriz) if matriz else "—", planes=len(ids),
        con_registro=sum(1 for e in entidades if e.escenarios),
        completas=sum(e.completa for e in entidades),
        escenarios=sum(e.escenarios for e in entidades),
        residual_alto=sum(e.residual_alto for e in entidades),
        por_aceptar=sum(e.por_aceptar for e in entidades),
        aceptados=sum(e.aceptados for e in entidades), mapa=mapa, entidades=entidades)


def seccion_nacional(r: RiesgosNacional) -> Seccion:
    entidades = r.entidades
    nota = _("Ordenadas por riesgo residual alto o mayor y riesgos por aceptar.")
    if RIESGOS_EN_DOCUMENTO is not None and len(entidades) > RIESGOS_EN_DOCUMENTO:
        entidades = entidades[:RIESGOS_EN_DOCUMENTO]
        nota += " " + _("Se muestran las %(n)d entidades más expuestas de %(t)d; el total "
                        "cuenta todas.") % {"n": len(entidades), "t": len(r.entidades)}
    return Seccion(
        clave="riesgos-nacional", titulo=_("Gestión de riesgos"),
        texto=_("Registro de riesgos de la versión más reciente del plan de cada entidad, tal "
                "como está al generar el informe (no se congela en los seguimientos). Mapa de "
                "calor: riesgo residual de los planes evaluados con %(m)s.") % {"m": r.matriz},
        cifras=[Cifra(_("Planes con registro de riesgos"), r.con_registro, "entero",
                      meta=r.planes),
                Cifra(_("Evaluaciones de riesgos completas"), r.completas, "entero",
                      meta=r.planes),
                Cifra(_("Escenarios de riesgo"), r.escenarios, "entero"),
                Cifra(_("Riesgo residual alto o mayor"), r.residual_alto, "entero"),
                Cifra(_("Por aceptar por la MAE"), r.por_aceptar, "entero"),
                Cifra(_("Aceptados por la MAE"), r.aceptados, "entero")],
        graficos=[_grafico_mapa(_("Riesgo residual nacional (escenarios por celda)"), r.mapa)]
        if r.mapa["filas"] else [],
        tablas=[Tabla(
            clave="riesgos-entidades", titulo=_("Riesgos por entidad"),
            columnas=[Columna(_("Sigla")), Columna(_("Activos"), "entero"),
                      Columna(_("Escenarios"), "entero"),
                      Columna(_("Sin tratamiento"), "entero"),
                      Columna(_("Sin residual"), "entero"),
                      Columna(_("Residual alto o mayor"), "entero"),
                      Columna(_("Por aceptar (MAE)"), "entero"),
                      Columna(_("Aceptados (MAE)"), "entero"), Columna(_("Completa"))],
            filas=[[e.sigla, e.activos, e.escenarios, e.sin_tratamiento, e.sin_residual,
                    e.residual_alto, e.por_aceptar, e.aceptados,
                    _("Sí") if e.completa else _("No")] for e in entidades],
            total=[_("Total"), sum(e.activos for e in r.entidades), r.escenarios,
                   sum(e.sin_tratamiento for e in r.entidades),
                   sum(e.sin_residual for e in r.entidades), r.residual_alto, r.por_aceptar,
                   r.aceptados, f"{r.completas}/{r.planes}"],
            nota=nota)])
