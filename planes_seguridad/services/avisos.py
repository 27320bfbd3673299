"""CGII requests on a plan sent as notices with legal effect (Ciudadanía Digital's
Notificaciones Electrónicas) to the entity's MAE and RSI: the observations of an observed
plan, or a deadline the entity let pass. The delivery goes to the plan's history with the
legal deadline counted from it in working days (issue 21)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.ciudadania import avisos
from cgii.entidades.models import Membresia
from cgii.errores import ErrorValidacion, TransicionInvalida

from .. import selectors
from ..models import EntradaPlan, PlanInstitucional, TipoEntrada
from ..permisos import SISTEMA
from ..states import Estado
from .comun import exigir_revisor, registrar

ORIGENES = {"observacion": "pisi.observacion", "plazo_vencido": "pisi.plazo_vencido"}
PLAZO_MAXIMO = 60


def _plazo(plazo_dias) -> int:
    try:
        plazo = int(plazo_dias)
    except (TypeError, ValueError):
        plazo = 0
    if not 1 <= plazo <= PLAZO_MAXIMO:
        raise ErrorValidacion(extra={"plazo_dias": [
            _("Indique el plazo legal en días hábiles (1 a %(n)d).") % {"n": PLAZO_MAXIMO}]})
    return plazo


def _contenido(plan: PlanInstitucional, motivo: str) -> tuple[str, str]:
    if motivo == "observacion":
        if plan.estado != Estado.OBSERVADO:
            raise TransicionInvalida(_("Solo las observaciones de un plan observado se "
                                       "notifican."), extra={"estado": plan.estado})
        return (_("Observaciones del CGII al PISI %(g)s de %(e)s") % {
            "g": plan.gestion, "e": plan.entidad.sigla}, plan.observaciones or "—")
    vencidos = list(plan.plazos.filter(cumplido_en__isnull=True, vencido_en__isnull=False,
                                       responsable="entidad"))
    if not vencidos:
        raise TransicionInvalida(_("El plan no tiene plazos de la entidad vencidos."))
    lineas = [_("%(t)s: venció el %(v)s") % {"t": p.get_tipo_display(),
                                             "v": p.vence.strftime("%d/%m/%Y")} for p in vencidos]
    return (_("PISI %(g)s de %(e)s: plazo vencido") % {"g": plan.gestion,
                                                       "e": plan.entidad.sigla},
            "\n".join(lineas))


def plan_notificar(*, actor, plan_id: int, motivo: str, plazo_dias) -> list:
    """A CGII reviewer sends the plan's observations (``observacion``) or its overdue
    deadlines (``plazo_vencido``) as notices to the MAE and RSI with a registered identity
    document; none → refused, nothing stored."""
    if motivo not in ORIGENES:
        raise ErrorValidacion(extra={"motivo": [_("Motivo desconocido.")]})
    plazo = _plazo(plazo_dias)
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_revisor(plan, actor)
        asunto, cuerpo = _contenido(plan, motivo)
        personas = list({m.usuario_id: m.usuario for m in Membresia.objects.filter(
            entidad_id=plan.entidad_id, activa=True, rol__in=["mae", "rsi"],
            usuario__is_active=True).select_related("usuario").order_by("rol", "usuario_id")
            if m.usuario.documento_identidad}.values())
        if not personas:
            raise ErrorValidacion(_("Ni la MAE ni el RSI de la entidad tienen registrado su "
                                    "documento de identidad: no se puede notificar."))
        notas = [avisos.notificacion_programar(
            actor=actor, origen=ORIGENES[motivo], objeto_id=plan.pk, entidad_id=plan.entidad_id,
            destinatario=u, asunto=asunto, cuerpo=cuerpo, plazo_dias_habiles=plazo)
            for u in personas]
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.PLAZO if motivo == "plazo_vencido"
                  else TipoEntrada.REVISION, accion="notificacion_electronica",
                  evento="pisi.notificacion_electronica",
                  texto=_("%(a)s: enviado como notificación electrónica (Ciudadanía Digital) a "
                          "%(p)s. Plazo legal: %(n)d días hábiles desde su entrega.") % {
                              "a": asunto, "n": plazo,
                              "p": ", ".join(u.get_full_name() or u.username for u in personas)},
                  datos={"notificaciones": [n.pk for n in notas], "motivo": motivo,
                         "plazo_dias": plazo})
    return notas


def al_entregar(evento) -> None:
    """Outbox sink of ``ciudadania.notificacion_entregada`` for the plan's notices: the
    delivery in the history with the legal deadline (idempotent per notice)."""
    d = evento.datos or {}
    if d.get("origen") not in ORIGENES.values():
        return
    from protocolos.selectors import calendario

    with transaction.atomic():
        plan = PlanInstitucional.objects.select_for_update(of=("self",)).select_related(
            "entidad").filter(pk=d["objeto_id"]).first()
        if plan is None or EntradaPlan.objects.filter(
                plan=plan, datos__notificacion_entregada=d["notificacion_id"]).exists():
            return
        entregada = timezone.localtime(datetime.fromisoformat(d["entregada_en"]))
        vence = calendario("laboral").sumar_dias_habiles(entregada.date(),
                                                         d["plazo_dias_habiles"] or 0)
        registrar(plan, actor=SISTEMA, tipo_entrada=TipoEntrada.PLAZO,
                  accion="notificacion_entregada", evento="pisi.notificacion_electronica",
                  texto=_("Notificación electrónica entregada el %(f)s (%(a)s). El plazo legal "
                          "de %(n)d días hábiles vence el %(v)s.") % {
                              "f": entregada.strftime("%d/%m/%Y %H:%M"), "a": d.get("asunto"),
                              "n": d["plazo_dias_habiles"] or 0,
                              "v": vence.strftime("%d/%m/%Y")},
                  datos={"notificacion_entregada": d["notificacion_id"],
                         "entregada_en": d["entregada_en"],
                         "plazo_legal_vence": vence.isoformat()})
