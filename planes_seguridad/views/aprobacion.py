"""Plan page actions for Aprobación de Documentos (services.aprobacion): send, retry, check."""

from django.utils.translation import gettext as _

from cgii.errores import NoEncontrado

from .. import services
from ..models import AprobacionDocumento, EstadoAprobacion
from .comun import entero as _entero


def _de_este_plan(request, plan) -> AprobacionDocumento:
    pk = _entero(request.POST.get("aprobacion_id"), "aprobacion_id")
    a = AprobacionDocumento.objects.filter(pk=pk, plan=plan).first()
    if a is None:
        raise NoEncontrado
    return a


def _solicitar(request, plan):
    a = services.aprobacion_solicitar(actor=request.user, plan_id=plan.pk)
    a.refresh_from_db()
    return _mensaje(a)


def _reintentar(request, plan):
    # A service still down raises its Spanish message, which the page shows.
    a = _de_este_plan(request, plan)
    services.aprobacion_reintentar(actor=request.user, aprobacion_id=a.pk)
    a.refresh_from_db()
    return _mensaje(a)


def _consultar(request, plan):
    a = services.aprobacion_consultar(actor=request.user,
                                      aprobacion_id=_de_este_plan(request, plan).pk)
    return _mensaje(a)


def _mensaje(a: AprobacionDocumento) -> str:
    if a.estado == EstadoAprobacion.POR_ENVIAR:
        return _("Solicitud registrada; Ciudadanía Digital no respondió todavía (%(e)s). La "
                 "plataforma reintentará el envío.") % {"e": a.ultimo_error or "—"}
    if a.estado == EstadoAprobacion.ENVIADA:
        return _("Solicitud enviada a Aprobación de Documentos: apruebe el documento en "
                 "Ciudadanía Digital.")
    if a.estado == EstadoAprobacion.APROBADA:
        return _("Documento aprobado: código %(c)s.") % {"c": a.codigo}
    return _("Aprobación de Documentos: %(e)s.") % {"e": a.get_estado_display()}


def _notificar(request, plan):
    from ..services.avisos import plan_notificar

    notas = plan_notificar(actor=request.user, plan_id=plan.pk,
                           motivo=request.POST.get("motivo", ""),
                           plazo_dias=request.POST.get("plazo_dias"))
    return _("Notificación electrónica enviada a %(n)d persona(s); el plazo legal corre desde "
             "su entrega.") % {"n": len(notas)}


ACCIONES = {
    "notificar": (_notificar, "pisi:detalle"),
    "aprobacion_solicitar": (_solicitar, "pisi:detalle"),
    "aprobacion_reintentar": (_reintentar, "pisi:detalle"),
    "aprobacion_consultar": (_consultar, "pisi:detalle"),
}
