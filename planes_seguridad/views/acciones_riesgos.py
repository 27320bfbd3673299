"""The risk register page's writes (one service each), dispatched by ``acciones.accion``
like every other small write of the plan pages."""

from django.utils.translation import gettext as _

from .. import services
from ..forms_riesgos import ActivoInformacionForm, EscenarioForm
from .comun import entero_post, validar_form


def _activo_crear(request, plan):
    form = ActivoInformacionForm(request.POST, prefix="nuevo_activo")
    validar_form(form)
    activo = services.activo_crear(actor=request.user, plan_id=plan.pk, **form.campos())
    return _("Activo agregado: %(c)s %(n)s.") % {"c": activo.codigo, "n": activo.nombre}


def _activo_editar(request, plan):
    activo_id = entero_post(request, "activo_id")
    form = ActivoInformacionForm(request.POST, prefix=f"ac{activo_id}")
    validar_form(form)
    activo = services.activo_actualizar(actor=request.user, plan_id=plan.pk, activo_id=activo_id,
                                        **form.campos())
    return _("Activo actualizado: %(c)s.") % {"c": activo.codigo}


def _activo_eliminar(request, plan):
    services.activo_eliminar(actor=request.user, plan_id=plan.pk,
                             activo_id=entero_post(request, "activo_id"))
    return _("Activo eliminado.")


def _escenario(request, plan, prefijo: str) -> dict:
    # The options only fill the <select>s; validating reads the typed values.
    form = EscenarioForm(request.POST, prefix=prefijo)
    validar_form(form)
    return form.campos()


def _riesgo_crear(request, plan):
    esc = services.riesgo_crear(actor=request.user, plan_id=plan.pk,
                                **_escenario(request, plan, "nuevo_riesgo"))
    return _("Riesgo %(c)s registrado%(n)s.") % {
        "c": esc.codigo, "n": _(" (nivel %(n)s)") % {"n": esc.nivel} if esc.nivel else ""}


def _riesgo_editar(request, plan):
    riesgo_id = entero_post(request, "riesgo_id")
    esc = services.riesgo_actualizar(actor=request.user, plan_id=plan.pk, riesgo_id=riesgo_id,
                                     **_escenario(request, plan, f"r{riesgo_id}"))
    return _("Riesgo %(c)s actualizado.") % {"c": esc.codigo}


def _riesgo_eliminar(request, plan):
    services.riesgo_eliminar(actor=request.user, plan_id=plan.pk,
                             riesgo_id=entero_post(request, "riesgo_id"))
    return _("Riesgo eliminado del registro.")


def _riesgos_aceptar(request, plan):
    ids = [int(x) for x in request.POST.getlist("riesgos") if x.isdigit()]
    aceptados = services.riesgos_aceptar(actor=request.user, plan_id=plan.pk, riesgo_ids=ids,
                                         comentario=request.POST.get("comentario", ""))
    return _("La MAE aceptó el riesgo residual de: %(c)s.") % {
        "c": ", ".join(e.codigo for e in aceptados)}


ACCIONES = {
    "activo_crear": (_activo_crear, "pisi:riesgos"),
    "activo_editar": (_activo_editar, "pisi:riesgos"),
    "activo_eliminar": (_activo_eliminar, "pisi:riesgos"),
    "riesgo_crear": (_riesgo_crear, "pisi:riesgos"),
    "riesgo_editar": (_riesgo_editar, "pisi:riesgos"),
    "riesgo_eliminar": (_riesgo_eliminar, "pisi:riesgos"),
    "riesgos_aceptar": (_riesgos_aceptar, "pisi:riesgos"),
}
