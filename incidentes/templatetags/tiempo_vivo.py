"""Short relative times for dense live tables ("hace 5 min"); the pages' scripts keep them
current with the same words (cgii/templates/_textos_js.html)."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def hace(momento) -> str:
    if not momento:
        return ""
    s = max(0.0, (timezone.now() - momento).total_seconds())
    if s < 60:
        return _("hace un momento")
    if s < 3600:
        return _("hace %s min") % int(s // 60)
    if s < 86400:
        return _("hace %s h") % int(s // 3600)
    return _("hace %s d") % int(s // 86400)
