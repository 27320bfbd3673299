"""Risk management reads: the catalogs and matrix in force, a plan's assets and risk
register, its heat maps and what its risk assessment still lacks. Everything is reached
through a plan already resolved by ``plan_obtener`` (tenant-scoped)."""

from django.db.models import Count, Prefetch, QuerySet

from .. import riesgo
from ..models import (
    Actividad,
    ActivoInformacion,
    Aplicabilidad,
    ElementoRiesgo,
    EscenarioRiesgo,
    MatrizRiesgo,
    PlanInstitucional,
    TipoCatalogoRiesgo,
)
from .planes import obtener_uno


def matriz_vigente() -> MatrizRiesgo | None:
    return MatrizRiesgo.objects.filter(vigente=True).order_by("codigo", "-version").first()


def matriz_de(plan: PlanInstitucional) -> MatrizRiesgo | None:
    """The plan's matrix; a plan from before matrices existed reads the one in force."""
    if plan.matriz_riesgo_id:
        return plan.matriz_riesgo
    return matriz_vigente()


def elementos_vigentes(tipo: str) -> QuerySet[ElementoRiesgo]:
    """Threats or vulnerabilities of the catalogs in force, in catalog order."""
    return (ElementoRiesgo.objects.filter(catalogo__tipo=tipo, catalogo__vigente=True)
            .select_related("catalogo").order_by("catalogo__codigo", "orden"))


def amenazas_vigentes() -> QuerySet[ElementoRiesgo]:
    return elementos_vigentes(TipoCatalogoRiesgo.AMENAZAS)


def vulnerabilidades_vigentes() -> QuerySet[ElementoRiesgo]:
    return elementos_vigentes(TipoCatalogoRiesgo.VULNERABILIDADES)


def activos_de(*, plan: PlanInstitucional) -> QuerySet[ActivoInformacion]:
    return plan.activos.annotate(n_riesgos=Count("riesgos")).order_by("codigo", "id")


def activo_obtener(*, plan: PlanInstitucional, activo_id: int,
                   para_actualizar: bool = False) -> ActivoInformacion:
    qs = plan.activos.all()
    if para_actualizar:
        qs = qs.select_for_update()
    return obtener_uno(qs, pk=activo_id)


def riesgos_de(*, plan: PlanInstitucional) -> QuerySet[EscenarioRiesgo]:
    """The risk register in code order, with everything a row shows (constant queries)."""
    return (plan.riesgos.select_related("activo", "amenaza", "vulnerabilidad", "aceptado_por")
            .prefetch_related(
                Prefetch("controles", queryset=Aplicabilidad.objects.select_related("control")
                         .order_by("control__orden")),
                Prefetch("actividades", queryset=Actividad.objects.order_by(
                    "inicio_planificado", "id")))
            .order_by("codigo", "id"))


def riesgo_obtener(*, plan: PlanInstitucional, riesgo_id: int,
                   para_actualizar: bool = False) -> EscenarioRiesgo:
    qs = plan.riesgos.select_related("activo", "amenaza", "vulnerabilidad")
    if para_actualizar:
        qs = qs.select_for_update(of=("self",))
    return obtener_uno(qs, pk=riesgo_id)


def mapa_calor(*, matriz: MatrizRiesgo | None, escenarios=(), residual: bool = False,
               conteos: dict[tuple[int, int], int] | None = None) -> dict:
    """The heat map of ``escenarios`` on ``matriz``: rows from the highest probability down,
    each cell with its level, how many scenarios fall in it and their codes. ``conteos``
    ({(probability, impact): n}, from an aggregate query) replaces the scenarios when only
    the counts are known (the national report)."""
    if matriz is None:
        return {"filas": [], "impacto": [], "total": 0}
    campo_p, campo_i = (("probabilidad_residual", "impacto_residual") if residual
                        else ("probabilidad", "impacto"))
    codigos_de: dict[tuple[int, int], list[str]] = {}
    for e in escenarios:
        p, i = getattr(e, campo_p), getattr(e, campo_i)
        if p and i:
            codigos_de.setdefault((p, i), []).append(e.codigo)
    cuenta = conteos if conteos is not None else {k: len(v) for k, v in codigos_de.items()}
    n_p, n_i = riesgo.dimensiones(matriz)
    filas = []
    for p in range(n_p, 0, -1):
        celdas = []
        for i in range(1, n_i + 1):
            nivel = riesgo.nivel(matriz, p, i)
            celdas.append({"impacto": i, "nivel": nivel,
                           "nivel_nombre": riesgo.nombre_nivel(matriz, nivel),
                           "n": cuenta.get((p, i), 0), "codigos": codigos_de.get((p, i), [])})
        filas.append({"probabilidad": p, "etiqueta": matriz.probabilidad[p - 1],
                      "celdas": celdas})
    return {"filas": filas, "impacto": [{"valor": i + 1, "etiqueta": e}
                                        for i, e in enumerate(matriz.impacto)],
            "total": sum(cuenta.values())}


def resumen_riesgos(*, plan: PlanInstitucional, escenarios=None) -> dict:
    """Counts for the register's header, the PDF and the reports: assets, scenarios, by
    inherent and residual level, treated, accepted, waiting for the MAE."""
    matriz = matriz_de(plan)
    escenarios = list(riesgos_de(plan=plan)) if escenarios is None else escenarios
    niveles = matriz.niveles if matriz else []
    por_nivel = {n["codigo"]: {"codigo": n["codigo"], "nombre": n["nombre"], "inherente": 0,
                               "residual": 0} for n in niveles}
    for e in escenarios:
        if e.nivel in por_nivel:
            por_nivel[e.nivel]["inherente"] += 1
        if e.nivel_residual in por_nivel:
            por_nivel[e.nivel_residual]["residual"] += 1
    por_aceptar = [e.codigo for e in escenarios if matriz and e.nivel_residual
                   and riesgo.requiere_aceptacion(matriz, tratamiento=e.tratamiento,
                                                  nivel_residual=e.nivel_residual)
                   and e.aceptado_por_id is None]
    return {
        "activos": plan.activos.count(),
        "escenarios": len(escenarios),
        "evaluados": sum(1 for e in escenarios if e.nivel),
        "tratados": sum(1 for e in escenarios if e.tratamiento),
        "con_residual": sum(1 for e in escenarios if e.nivel_residual),
        "aceptados": sum(1 for e in escenarios if e.aceptado_por_id),
        "por_aceptar": por_aceptar,
        "niveles": list(reversed(list(por_nivel.values()))),  # highest first
    }
