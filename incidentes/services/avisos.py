"""An information request sent also as a notice with legal effect (Ciudadanía Digital's
Notificaciones Electrónicas) to the entity's MAE and RSI, and its delivery in the timeline
with the legal deadline counted from delivery in working days (issue 21)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.ciudadania import avisos
from cgii.entidades.models import Membresia
from cgii.errores import ErrorValidacion

from ..models import EntradaTimeline, Incidente, TipoEntrada
from ..permisos import SISTEMA
from .comun import registrar

ORIGEN_SOLICITUD = "incidentes.solicitud_informacion"
PLAZO_MAXIMO = 60


def _destinatarios(entidad_id: int) -> list:
    filas = (Membresia.objects.filter(entidad_id=entidad_id, activa=True, rol__in=["mae", "rsi"],
                                      usuario__is_active=True)
             .select_related("usuario").order_by("rol", "usuario_id"))
    return list({m.usuario_id: m.usuario for m in filas}.values())


def validar_plazo(plazo_dias) -> int:
    try:
        plazo = int(plazo_dias)
    except (TypeError, ValueError):
        plazo = 0
    if not 1 <= plazo <= PLAZO_MAXIMO:
        raise ErrorValidacion(extra={"plazo_dias": [
            _("Indique el plazo legal en días hábiles (1 a %(n)d).") % {"n": PLAZO_MAXIMO}]})
    return plazo


def notificar_solicitud(*, actor, incidente: Incidente, pregunta: str, plazo_dias: int) -> list:
    """Inside the request's transaction: one notice per MAE/RSI with a registered identity
    document (none → the whole request is refused), and one timeline row."""
    personas = [u for u in _destinatarios(incidente.entidad_id) if u.documento_identidad]
    if not personas:
        raise ErrorValidacion(_("Ni la MAE ni el RSI de la entidad tienen registrado su "
                                "documento de identidad: no se puede enviar la notificación "
                                "electrónica."))
    asunto = _("Solicitud de información del CGII sobre el incidente %(c)s") % {
        "c": incidente.codigo}
    notas = [avisos.notificacion_programar(
        actor=actor, origen=ORIGEN_SOLICITUD, objeto_id=incidente.pk,
        entidad_id=incidente.entidad_id, destinatario=u, asunto=asunto, cuerpo=pregunta,
        plazo_dias_habiles=plazo_dias) for u in personas]
    nombres = ", ".join(u.get_full_name() or u.username for u in personas)
    registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.SOLICITUD,
              accion="notificacion_electronica", evento="timeline.nuevo", visible_entidad=True,
              texto=_("Enviada también como notificación electrónica (Ciudadanía Digital) a "
                      "%(p)s. Plazo legal: %(n)d días hábiles desde su entrega.") % {
                          "p": nombres, "n": plazo_dias},
              datos={"notificaciones": [n.pk for n in notas], "plazo_dias": plazo_dias})
    return notas


def al_entregar(evento) -> None:
    """Outbox sink of ``ciudadania.notificacion_entregada``: the delivery in the timeline
    with the legal deadline (working days from the delivery date, the business calendar).
    Idempotent: a redelivered event finds its row and does nothing."""
    d = evento.datos or {}
    if d.get("origen") != ORIGEN_SOLICITUD:
        return
    from protocolos.selectors import calendario

    with transaction.atomic():
        incidente = Incidente.objects.select_for_update().filter(pk=d["objeto_id"]).first()
        if incidente is None or EntradaTimeline.objects.filter(
                incidente=incidente, datos__notificacion_entregada=d["notificacion_id"]).exists():
            return
        entregada = timezone.localtime(datetime.fromisoformat(d["entregada_en"]))
        vence = None
        if d.get("plazo_dias_habiles"):
            vence = calendario("laboral").sumar_dias_habiles(entregada.date(),
                                                             d["plazo_dias_habiles"])
        texto = _("Notificación electrónica entregada el %(f)s (%(a)s).") % {
            "f": entregada.strftime("%d/%m/%Y %H:%M"), "a": d.get("asunto", "")}
        if vence:
            texto += " " + _("El plazo legal de %(n)d días hábiles vence el %(v)s.") % {
                "n": d["plazo_dias_habiles"], "v": vence.strftime("%d/%m/%Y")}
        registrar(incidente, actor=SISTEMA, tipo_entrada=TipoEntrada.SOLICITUD,
                  accion="notificacion_entregada", evento="timeline.nuevo",
                  visible_entidad=True, texto=texto,
                  datos={"notificacion_entregada": d["notificacion_id"],
                         "entregada_en": d["entregada_en"],
                         "plazo_legal_vence": vence.isoformat() if vence else None})
