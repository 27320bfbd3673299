"""``{% hosts_afectados incidente %}``: the affected-hosts section of an incident opened from
feed events (issue 19), self-contained so the detail page only includes it. Incidents of
another origin render nothing and cost no query."""

from django import template

from incidentes.models import Origen

from .. import selectors

register = template.Library()
FILAS = 10


@register.inclusion_tag("fuentes/_hosts_incidente.html", takes_context=True)
def hosts_afectados(context, incidente):
    if incidente.origen != Origen.FUENTE_EXTERNA:
        return {"mostrar": False}
    usuario = context["request"].user
    _inc, agregaciones, hosts = selectors.hosts_de_incidente(usuario, incidente.pk)
    resumen = selectors.resumen_agregaciones(agregaciones)
    return {"mostrar": bool(agregaciones), "incidente": incidente, "resumen": resumen,
            "filas": list(hosts[:FILAS]), "mas": max(0, resumen["eventos"] - FILAS),
            "entidad": not context.get("personal"), "csrf_token": context.get("csrf_token")}
