"""The risk register page: heat maps (inherent and residual) on the plan's matrix, the asset
inventory, the register of risk scenarios with their treatment and the MAE's acceptance, and
what the assessment still lacks. Writes go through ``accion`` (views/acciones_riesgos.py),
one service each."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import riesgo, selectors
from ..forms_riesgos import (
    ActivoInformacionForm,
    EscenarioForm,
    iniciales_activo,
    iniciales_escenario,
)
from ..permisos import roles_del_usuario
from .comun import contexto_plan, obtener_plan


def opciones_escenario(plan, matriz, activos=None) -> dict:
    """What the scenario form offers: the plan's assets and activities, the catalogs in force
    and the matrix (read once for every row's form)."""
    return {"activos": activos if activos is not None else list(plan.activos.order_by("codigo")),
            "amenazas": list(selectors.amenazas_vigentes()),
            "vulnerabilidades": list(selectors.vulnerabilidades_vigentes()),
            "actividades": list(plan.actividades.order_by("inicio_planificado", "id")),
            "matriz": matriz}


@login_required
@require_GET
def riesgos(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "riesgos")
    matriz = selectors.matriz_de(plan)
    escenarios = list(selectors.riesgos_de(plan=plan))
    activos = list(selectors.activos_de(plan=plan))
    edita = contexto["edita_contenido"]
    if edita:
        opciones = opciones_escenario(plan, matriz, activos)
        for a in activos:
            a.form = ActivoInformacionForm(prefix=f"ac{a.pk}", initial=iniciales_activo(a))
        for e in escenarios:
            e.form = EscenarioForm(prefix=f"r{e.pk}", initial=iniciales_escenario(e), **opciones)
        contexto.update({"nuevo_activo": ActivoInformacionForm(prefix="nuevo_activo"),
                         "nuevo_riesgo": EscenarioForm(prefix="nuevo_riesgo", **opciones)})
    for e in escenarios:
        e.nivel_nombre = riesgo.nombre_nivel(matriz, e.nivel) if matriz else e.nivel
        e.nivel_residual_nombre = (riesgo.nombre_nivel(matriz, e.nivel_residual) if matriz
                                   else e.nivel_residual)
        e.requiere_mae = bool(matriz and e.nivel_residual and riesgo.requiere_aceptacion(
            matriz, tratamiento=e.tratamiento, nivel_residual=e.nivel_residual))
    es_mae = "mae" in roles_del_usuario(plan.entidad_id, request.user)
    contexto.update({
        "matriz": matriz, "escenarios": escenarios, "activos": activos,
        "mapa_inherente": selectors.mapa_calor(matriz=matriz, escenarios=escenarios),
        "mapa_residual": selectors.mapa_calor(matriz=matriz, escenarios=escenarios,
                                              residual=True),
        "resumen": selectors.resumen_riesgos(plan=plan, escenarios=escenarios),
        "faltantes": plan.riesgos_faltantes(),
        "puede_aceptar": es_mae and edita,
        "aceptables": [e for e in escenarios if e.nivel_residual and e.aceptado_por_id is None],
        "nivel_aceptacion": riesgo.nombre_nivel(matriz, matriz.aceptacion_mae_desde)
        if matriz else "",
    })
    return render(request, "planes_seguridad/plan/riesgos.html", contexto)
