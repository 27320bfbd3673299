"""Shared by the HTML views: constants, small formatting helpers and decorators."""

from functools import wraps

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.models import RolCGII
from cgii.entidades.selectors import (
    es_personal_cgii,
    tiene_rol_cgii,
)
from cgii.errores import texto_error  # noqa: F401 (views import it from here)

from ..services.comun import ROLES_GESTION

# SLA clock states as people read them (protocolos.reloj.EstadoReloj values).
ESTADOS_RELOJ = {
    "sin_iniciar": gettext_lazy("Sin iniciar"),
    "ok": gettext_lazy("En plazo"),
    "advertencia": gettext_lazy("Por vencer"),
    "incumplido": gettext_lazy("Vencido"),
    "cumplido": gettext_lazy("Cumplido"),
    "pausado": gettext_lazy("En pausa"),
    # A duplicate's clocks (issue 18): stopped without counting as met or breached.
    "descartado": gettext_lazy("Descartado"),
}

ROLES_CGII = [r.value for r in RolCGII]





def duracion(minutos: float) -> str:
    m = int(round(abs(minutos)))
    horas, resto = divmod(m, 60)
    if horas and resto:
        return _("%(h)d h %(m)d min") % {"h": horas, "m": resto}
    if horas:
        return _("%(h)d h") % {"h": horas}
    return _("%(m)d min") % {"m": resto}


def puede_reportar(usuario) -> bool:
    # Entities report their own incidents; of the staff, only those who work incidents.
    return not es_personal_cgii(usuario) or tiene_rol_cgii(usuario, *ROLES_GESTION)


# ---- list --------------------------------------------------------------------------------


def solo_personal(vista):
    """Console views are for CGII staff; an entity user goes to the portal instead."""
    @wraps(vista)
    def envoltura(request, *args, **kwargs):
        if not es_personal_cgii(request.user):
            return redirect("incidentes:portal")
        return vista(request, *args, **kwargs)
    return envoltura



def quiere_json(request) -> bool:
    """The page's own scripts ask for JSON (fetch/XMLHttpRequest); forms get HTML."""
    return "application/json" in request.headers.get("Accept", "")



def volver(request) -> str | None:
    """A same-site path to go back to after the action (the console, the portal)."""
    destino = request.POST.get("volver", "")
    if destino.startswith("/") and url_has_allowed_host_and_scheme(
            destino, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return destino
    return None


