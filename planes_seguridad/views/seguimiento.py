"""Follow-up: periods and the compliance trend, one period (the entity reports progress per
control with evidence, the auditor records a result per control, closing freezes the
snapshot), and the findings."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cgii.errores import NoEncontrado

from .. import selectors
from ..forms import HallazgoForm, PeriodoForm
from ..models import EstadoHallazgo, EstadoImplementacion, Grado, OrigenHallazgo, Resultado
from ..states import ESTADOS_IMPLEMENTACION, EstadoPeriodo
from .comun import contexto_plan, obtener_plan

CLASE_RESULTADO = {"cumple": "ok", "cumple_parcialmente": "advertencia",
                   "no_cumple": "incumplido", "no_aplica": "pausado"}


def _delta(valores: list) -> float | None:
    """Change between the last two closed periods (percentage points)."""
    if len(valores) < 2 or valores[-1] is None or valores[-2] is None:
        return None
    return round(valores[-1] - valores[-2], 1)


def _fila_tendencia(numero: str, titulo: str, tendencia: list[dict]) -> dict:
    valores = [t["por_dominio"].get(numero) for t in tendencia]
    return {"numero": numero, "titulo": titulo, "valores": valores, "delta": _delta(valores)}


@login_required
@require_GET
def seguimiento(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "seguimiento")
    periodos = list(selectors.periodos_de(plan=plan))
    for p in periodos:
        p.pct_revisado = round(100 * p.n_revisados / p.n_controles) if p.n_controles else 0
    tendencia = selectors.tendencia(plan)
    dominios = {d["numero"]: d["titulo"] for d in selectors.soa_resumen(plan=plan)["dominios"]}
    numeros = sorted({n for t in tendencia for n in t["por_dominio"]},
                     key=lambda n: [int(x) for x in n.split(".") if x.isdigit()])
    actual = next((p for p in periodos if p.estado != EstadoPeriodo.CERRADO), None)
    contexto.update({
        "periodos": periodos, "tendencia": tendencia, "actual": actual,
        "por_dominio": [_fila_tendencia(n, dominios.get(n, ""), tendencia) for n in numeros],
        "delta": _delta([t["cumplimiento"] for t in tendencia]),
        "puede_abrir": contexto["revisor"] and plan.estado in ESTADOS_IMPLEMENTACION
        and actual is None,
        "form_periodo": PeriodoForm(),
        "implementacion": plan.estado in ESTADOS_IMPLEMENTACION,
    })
    return render(request, "planes_seguridad/plan/seguimiento.html", contexto)


@login_required
@require_GET
def periodo(request, pk: int, periodo_id: int):
    plan = obtener_plan(request, pk)
    try:
        per = selectors.periodo_obtener(plan=plan, periodo_id=periodo_id)
    except NoEncontrado:
        raise Http404 from None
    per.plan = plan
    contexto = contexto_plan(request, plan, "seguimiento")
    q = request.GET
    dominio = q.get("dominio", "").strip()[:10] or None
    pendientes = q.get("pendientes") == "1"
    revisiones = list(selectors.revisiones_de(periodo=per, pendientes=pendientes,
                                              dominio=dominio))
    por_control: dict[int, list] = {}
    for ev in selectors.evidencias_de(plan=plan):
        if ev.aplicabilidad_id:
            por_control.setdefault(ev.aplicabilidad_id, []).append(ev)
    for r in revisiones:
        r.evidencias = por_control.get(r.aplicabilidad_id, [])
        r.clase = CLASE_RESULTADO.get(r.resultado, "")
    cerrado = per.estado == EstadoPeriodo.CERRADO
    snapshot = list(selectors.snapshot_de(periodo=per)) if cerrado else []
    estados, resultados = dict(EstadoImplementacion.choices), dict(Resultado.choices)
    for s in snapshot:
        s.clase = CLASE_RESULTADO.get(s.resultado, "")
        s.estado_texto = estados.get(s.estado_implementacion, s.estado_implementacion)
        s.resultado_texto = resultados.get(s.resultado, s.resultado)
    sin_revisar = per.controles_sin_revisar()
    contexto.update({
        "periodo": per, "revisiones": revisiones, "snapshot": snapshot, "cerrado": cerrado,
        "transiciones": selectors.transiciones_periodo(usuario=request.user, periodo=per),
        "hallazgos": list(selectors.hallazgos_de(plan=plan, filtros=selectors.FiltrosHallazgo(
            periodo=per.pk))),
        "sin_revisar": sin_revisar,
        "reporta": contexto["escribe_entidad"] and per.estado == EstadoPeriodo.ABIERTO,
        "revisa": contexto["revisor"] and not cerrado,
        "resultados": Resultado.choices, "estados_impl": EstadoImplementacion.choices,
        "madurez": range(6), "dominios": plan.catalogo.dominios.order_by("orden"),
        "filtro_dominio": dominio or "", "pendientes": pendientes,
        "tendencia": next((t for t in selectors.tendencia(plan) if t["periodo_id"] == per.pk),
                          None) if cerrado else None,
        "form_hallazgo": HallazgoForm(),
        "cronograma": reverse("pisi:cronograma", args=[plan.pk]),
        "evidencias": reverse("pisi:evidencias", args=[plan.pk]),
    })
    return render(request, "planes_seguridad/plan/periodo.html", contexto)


@login_required
@require_GET
def hallazgos(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "hallazgos")
    q = request.GET
    filtros = selectors.FiltrosHallazgo(
        estado=q.get("estado") if q.get("estado") in EstadoHallazgo.values else None,
        grado=q.get("grado") if q.get("grado") in Grado.values else None,
        origen=q.get("origen") if q.get("origen") in OrigenHallazgo.values else None)
    filas = list(selectors.hallazgos_de(plan=plan, filtros=filtros))
    for h in filas:
        h.form = HallazgoForm(prefix=f"h{h.pk}", initial={
            "grado": h.grado, "descripcion": h.descripcion, "causa_raiz": h.causa_raiz,
            "accion_correctiva": h.accion_correctiva, "responsable": h.responsable,
            "fecha_compromiso": h.fecha_compromiso})
    actual = selectors.periodo_actual(plan)
    contexto.update({
        "hallazgos": filas, "filtros": filtros, "periodo_actual": actual,
        "grados": Grado.choices, "origenes": OrigenHallazgo.choices,
        "estados_hallazgo": EstadoHallazgo.choices,
        "puede_registrar": contexto["revisor"] and actual is not None,
        "form": HallazgoForm(prefix="nuevo"),
        "abiertos": sum(1 for h in filas if h.estado == EstadoHallazgo.ABIERTO),
        "hay_filtros": any((filtros.estado, filtros.grado, filtros.origen)),
    })
    return render(request, "planes_seguridad/plan/hallazgos.html", contexto)
