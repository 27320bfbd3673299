"""CGII pages: the review queue (plans waiting for CGII, by their review deadline) and the
review screen of one plan (what to check, observe or give conformity, put in force)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cgii.eventos.selectors import secuencia_actual

from .. import selectors
from ..models import SeccionPlan, TipoEntrada
from ..states import Estado
from .comun import contexto_plan, decorar_plazo, obtener_plan, solo_personal
from .planes import acciones_de, decorar_filas


@login_required
@require_GET
@solo_personal
def cola(request):
    filas = list(selectors.cola_revision(usuario=request.user))
    decorar_filas(filas)
    return render(request, "planes_seguridad/cola.html", {
        "filas": filas, "personal": True, "secuencia": secuencia_actual(),
        "vencidos": sum(1 for p in filas if p.plazo and p.plazo["clase"] == "incumplido"),
        "por_vencer": sum(1 for p in filas if p.plazo and p.plazo["clase"] == "advertencia"),
    })


def contexto_observaciones(request, plan, contexto: dict) -> dict:
    """Rounds with their observations, who may do what on them now, and the diff since the
    last closed round (the review page and the observations tab share it)."""
    observaciones = list(selectors.observaciones_de(plan=plan))
    rondas = list(selectors.rondas_de(plan=plan))
    for r in rondas:
        r.lista = [o for o in observaciones if o.ronda_id == r.pk]
    return {
        "rondas": rondas, "observaciones": observaciones,
        "sin_responder": sum(o.estado == "abierta" for o in observaciones),
        "puede_responder": contexto["escribe_entidad"] and plan.estado == Estado.OBSERVADO,
        "puede_observar": contexto["revisor"] and plan.estado == Estado.EN_REVISION,
        "diferencias": selectors.diferencias_de(plan=plan),
        "secciones": SeccionPlan.choices,
        "numeros": list(plan.soa.order_by("control__orden")
                        .values_list("control__numero", flat=True)),
    }


@login_required
@require_GET
def observaciones(request, pk: int):
    """The review's observations for everyone who sees the plan: the entity answers them
    here while the plan is observado."""
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "observaciones")
    contexto.update(contexto_observaciones(request, plan, contexto))
    return render(request, "planes_seguridad/plan/observaciones.html", contexto)


@login_required
@require_GET
@solo_personal
def revision(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "revision")
    contexto.update(contexto_observaciones(request, plan, contexto))
    contexto["conformidad"] = selectors.lista_conformidad(plan=plan)
    excluidos = list(selectors.soa_de(plan=plan, filtros=selectors.FiltrosSoA(aplica=False)))
    pendientes = selectors.soa_de(plan=plan, filtros=selectors.FiltrosSoA(pendientes=True))
    decisiones = [e for e in selectors.historial_de(usuario=request.user, plan=plan)
                  if e.tipo == TipoEntrada.TRANSICION]
    contexto.update({
        "secuencia": secuencia_actual(),
        "acciones": acciones_de(request.user, plan),
        "plazos": [decorar_plazo(f) for f in selectors.plazos_de(plan=plan)],
        "soa": selectors.soa_resumen(plan=plan),
        "excluidos": excluidos, "pendientes": pendientes.count(),
        "actividades": selectors.actividades_de(plan=plan).count(),
        "decisiones": decisiones[::-1],
        "riesgos": selectors.resumen_riesgos(plan=plan),
        "riesgos_faltantes": plan.riesgos_faltantes(),
    })
    return render(request, "planes_seguridad/plan/revision.html", contexto)
