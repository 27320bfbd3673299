"""CGII pages: the review queue (plans waiting for CGII, by their review deadline) and the
review screen of one plan (what to check, observe or give conformity, put in force)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cgii.eventos.selectors import secuencia_actual

from .. import selectors
from ..models import TipoEntrada
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


@login_required
@require_GET
@solo_personal
def revision(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "revision")
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
