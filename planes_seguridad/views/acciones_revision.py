"""The review's writes from the pages (one service each), dispatched by ``acciones.accion``:
CGII records an observation per section or per control, the entity answers it, CGII marks the
answer as addressed or reopens the observation."""

from django.utils.translation import gettext as _

from .. import services
from .comun import entero_post


def _observacion_registrar(request, plan):
    p = request.POST
    obs = services.observacion_registrar(
        actor=request.user, plan_id=plan.pk, seccion=p.get("seccion", "general"),
        texto=p.get("texto", ""), control=p.get("control", "").strip() or None)
    return _("Observación registrada en la ronda %(n)d.") % {"n": obs.ronda.numero}


def _observacion_responder(request, plan):
    services.observacion_responder(actor=request.user, plan_id=plan.pk,
                                   observacion_id=entero_post(request, "observacion_id"),
                                   respuesta=request.POST.get("respuesta", ""))
    return _("Respuesta registrada.")


def _observacion_atender(request, plan):
    atendida = request.POST.get("atendida") == "1"
    services.observacion_atender(actor=request.user, plan_id=plan.pk,
                                 observacion_id=entero_post(request, "observacion_id"),
                                 atendida=atendida, comentario=request.POST.get("comentario", ""))
    return _("Observación atendida.") if atendida else _("Observación reabierta.")


ACCIONES = {
    "observacion_registrar": (_observacion_registrar, "pisi:revision"),
    "observacion_responder": (_observacion_responder, "pisi:observaciones"),
    "observacion_atender": (_observacion_atender, "pisi:revision"),
}
