"""Reads of the review: rounds, observations, what changed since the last round the auditor
closed, and the conformity checklist with its reasons."""

from django.db.models import Count, Q, QuerySet

from cgii import fsm

from .. import diferencias
from ..models import Observacion, PlanInstitucional, RondaRevision
from ..models.plan import CHECKLIST_CONFORMIDAD
from .planes import obtener_uno


def rondas_de(*, plan: PlanInstitucional) -> QuerySet[RondaRevision]:
    return (plan.rondas.select_related("abierta_por")
            .annotate(n_observaciones=Count("observaciones"),
                      n_abiertas=Count("observaciones", filter=Q(observaciones__estado="abierta")))
            .order_by("numero"))


def observaciones_de(*, plan: PlanInstitucional, estado: str | None = None
                     ) -> QuerySet[Observacion]:
    qs = (plan.observaciones_revision.select_related(
        "ronda", "aplicabilidad__control", "autor", "respondida_por", "atendida_por")
        .order_by("ronda__numero", "id"))
    if estado:
        qs = qs.filter(estado=estado)
    return qs


def observacion_obtener(*, plan: PlanInstitucional, observacion_id: int,
                        para_actualizar: bool = False) -> Observacion:
    qs = plan.observaciones_revision.select_related("aplicabilidad__control")
    if para_actualizar:
        qs = qs.select_for_update(of=("self",))
    return obtener_uno(qs, pk=observacion_id)


def diferencias_de(*, plan: PlanInstitucional) -> dict | None:
    """What changed since the last round the auditor closed (its snapshot) until now; None
    before any round closed. {"ronda": n, "desde": when, "secciones": [...], "total": n}."""
    ronda = plan.rondas.filter(cerrada_en__isnull=False).order_by("-numero").first()
    if ronda is None:
        return None
    secciones = diferencias.comparar(ronda.instantanea, diferencias.instantanea(plan))
    return {"ronda": ronda.numero, "desde": ronda.cerrada_en, "resultado": ronda.resultado,
            "secciones": secciones, "total": sum(s["total"] for s in secciones)}


def lista_conformidad(*, plan: PlanInstitucional) -> list[dict]:
    """The conformity checklist as the transition's own conditions see the plan now:
    [{etiqueta, ok, motivo}] in order (motivo with the failing items)."""
    salida = []
    for condicion in CHECKLIST_CONFORMIDAD:
        ok = condicion(plan)
        salida.append({"etiqueta": str(getattr(condicion, "etiqueta", condicion.__name__)),
                       "ok": ok, "motivo": "" if ok else fsm.motivo_de(condicion, plan)})
    return salida
