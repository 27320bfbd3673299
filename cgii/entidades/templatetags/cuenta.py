from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duracion(valor: timedelta | None) -> str:
    """"1 hora y 30 minutos" rather than timedelta's "1:30:00" on the lockout page."""
    if not isinstance(valor, timedelta):
        return ""
    minutos = max(1, round(valor.total_seconds() / 60))
    horas, minutos = divmod(minutos, 60)
    texto_horas = ngettext("%(n)d hora", "%(n)d horas", horas) % {"n": horas}
    texto_minutos = ngettext("%(n)d minuto", "%(n)d minutos", minutos) % {"n": minutos}
    if horas and minutos:
        return _("%(horas)s y %(minutos)s") % {"horas": texto_horas, "minutos": texto_minutos}
    return texto_horas if horas else texto_minutos
