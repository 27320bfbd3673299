"""CGII's review of a plan in rounds: the rounds themselves (opened and closed by the plan's
transitions, inside their transaction), observations per section and per control, the
entity's answers and the auditor's verdict on each answer.

- ``observacion_registrar``: a CGII reviewer, while the plan is ``en_revision``, in the open
  round; per control names a control of the plan's SoA (section "soa").
- ``observacion_responder``: the entity's RSI or MAE, while the plan is ``observado``, for an
  observation still open (or reopened).
- ``observacion_atender``: a reviewer, while the plan is ``en_revision``, on an answered
  observation of an earlier round: addressed (closed) or reopened (the entity answers again
  after the next ``observar``).
Every observation answered is one of the conditions of ``presentar`` (from observado) and of
``dar_conformidad``; the conformity checklist shows it with the others.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion, TransicionInvalida
from cgii.fsm import actor_real

from .. import diferencias, selectors
from ..models import (
    EstadoObservacion,
    Observacion,
    PlanInstitucional,
    RondaRevision,
    SeccionPlan,
    TipoEntrada,
)
from ..states import Estado
from .comun import exigir_entidad, exigir_revisor, registrar, texto_limpio

# ---- rounds (called by plan_transicionar, inside its transaction) -----------------------------

def ronda_abrir(plan: PlanInstitucional, *, actor, momento) -> RondaRevision:
    """The next round, with a snapshot of what is reviewed now."""
    numero = (plan.rondas.order_by("-numero").values_list("numero", flat=True).first() or 0) + 1
    return RondaRevision.objects.create(plan=plan, numero=numero, abierta_en=momento,
                                        abierta_por=actor_real(actor),
                                        instantanea=diferencias.instantanea(plan))


def ronda_cerrar(plan: PlanInstitucional, *, resultado: str, momento) -> None:
    plan.rondas.filter(cerrada_en__isnull=True).update(cerrada_en=momento, resultado=resultado)


def _ronda_abierta(plan: PlanInstitucional, actor) -> RondaRevision:
    """The open round; a plan already under review before rounds existed gets its first one
    now (its snapshot is the plan as it is, which is what is being reviewed)."""
    ronda = plan.rondas.filter(cerrada_en__isnull=True).first()
    return ronda or ronda_abrir(plan, actor=actor, momento=timezone.now())


# ---- observations ---------------------------------------------------------------------------

def _texto_observacion(obs: Observacion) -> str:
    donde = SeccionPlan(obs.seccion).label
    if obs.aplicabilidad_id:
        donde = _("%(s)s, control %(c)s") % {"s": donde, "c": obs.aplicabilidad.control.numero}
    return f"[{donde}] {obs.texto}"


def observacion_registrar(*, actor, plan_id: int, seccion: str, texto: str,
                          control: str | None = None) -> Observacion:
    texto = texto_limpio(texto, "texto", maximo=4000, obligatorio=True)
    if seccion not in SeccionPlan.values:
        raise ErrorValidacion(extra={"seccion": [
            _("Sección no válida; use: %(v)s.") % {"v": ", ".join(SeccionPlan.values)}]})
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_revisor(plan, actor)
        if plan.estado != Estado.EN_REVISION:
            raise TransicionInvalida(_("Las observaciones se registran mientras el plan está "
                                       "en revisión."), extra={"estado": plan.estado})
        fila = None
        if control:
            fila = selectors.soa_fila_obtener(plan=plan, control=str(control).strip())
            seccion = SeccionPlan.SOA
        ronda = _ronda_abierta(plan, actor)
        obs = Observacion.objects.create(plan=plan, ronda=ronda, seccion=seccion,
                                         aplicabilidad=fila, texto=texto, autor=actor)
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.REVISION,
                  accion="observacion.registrar", evento="pisi.actualizado",
                  texto=_("Observación de la ronda %(n)d: %(t)s")
                  % {"n": ronda.numero, "t": _texto_observacion(obs)},
                  datos={"observacion_id": obs.pk, "ronda": ronda.numero}, objeto=obs)
    return obs


def observacion_responder(*, actor, plan_id: int, observacion_id: int,
                          respuesta: str) -> Observacion:
    respuesta = texto_limpio(respuesta, "respuesta", maximo=4000, obligatorio=True)
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        obs = selectors.observacion_obtener(plan=plan, observacion_id=observacion_id,
                                            para_actualizar=True)
        if plan.estado != Estado.OBSERVADO:
            raise TransicionInvalida(_("Las observaciones se responden cuando el CGII devolvió "
                                       "el plan con observaciones."), extra={"estado": plan.estado})
        if obs.estado == EstadoObservacion.ATENDIDA:
            raise TransicionInvalida(_("Esta observación ya fue atendida."))
        obs.respuesta, obs.respondida_por, obs.respondida_en = respuesta, actor, timezone.now()
        obs.estado = EstadoObservacion.RESPONDIDA
        obs.save(update_fields=["respuesta", "respondida_por", "respondida_en", "estado"])
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.REVISION,
                  accion="observacion.responder", evento="pisi.actualizado",
                  texto=_("Respuesta a la observación %(o)s: %(r)s")
                  % {"o": _texto_observacion(obs), "r": respuesta},
                  datos={"observacion_id": obs.pk}, objeto=obs)
    return obs


def observacion_atender(*, actor, plan_id: int, observacion_id: int, atendida: bool,
                        comentario: str = "") -> Observacion:
    """The auditor's verdict on an answer: addressed, or reopened (with a reason)."""
    comentario = texto_limpio(comentario, "comentario", maximo=4000, obligatorio=not atendida)
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_revisor(plan, actor)
        obs = selectors.observacion_obtener(plan=plan, observacion_id=observacion_id,
                                            para_actualizar=True)
        if plan.estado != Estado.EN_REVISION:
            raise TransicionInvalida(_("Las respuestas se evalúan mientras el plan está en "
                                       "revisión."), extra={"estado": plan.estado})
        if obs.estado != EstadoObservacion.RESPONDIDA:
            raise TransicionInvalida(_("Solo se evalúa una observación que la entidad "
                                       "respondió."), extra={"estado": obs.estado})
        obs.estado = EstadoObservacion.ATENDIDA if atendida else EstadoObservacion.ABIERTA
        obs.atendida_por = actor if atendida else None
        obs.atendida_en = timezone.now() if atendida else None
        obs.comentario_cgii = comentario
        obs.save(update_fields=["estado", "atendida_por", "atendida_en", "comentario_cgii"])
        if atendida:
            texto = _("Observación atendida: %(o)s") % {"o": _texto_observacion(obs)}
        else:
            texto = _("Observación reabierta: %(o)s\n%(c)s") % {"o": _texto_observacion(obs),
                                                                  "c": comentario}
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.REVISION,
                  accion="observacion.atender" if atendida else "observacion.reabrir",
                  evento="pisi.actualizado", texto=texto,
                  datos={"observacion_id": obs.pk, "atendida": atendida}, objeto=obs)
    return obs
