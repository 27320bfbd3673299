"""Django's ``i18n`` template library with ``{% translate "literal" %}`` remembered per
language (issue 22). Mounted under the label ``i18n`` (settings.TEMPLATES ``libraries``), so
every ``{% load i18n %}`` gets it; every other tag and filter is Django's own.

Each ``{% translate %}`` node asked gettext again on every render: a lazy string, the active
language from a context-local, the catalogue, escaping — the staff detail page ran 254 of
them (~10 % of its profiled time). A node whose message is a constant (no variable, filter,
``as`` or variable context) renders the same text for a given language, so it keeps that
text per language code; the language is still read on every render, so a request in
another language gets its own translation. Catalogues are read once per process; a change
of the settings that reload them (tests) clears the remembered texts.
"""

from django import template
from django.core.signals import setting_changed
from django.templatetags import i18n as django_i18n
from django.utils import translation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# Bumped when translations may be reloaded: old entries are then never read again.
_generacion = [0]
_AJUSTES_DE_IDIOMA = {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}


def _al_cambiar_ajuste(*, setting, **_kwargs):
    if setting in _AJUSTES_DE_IDIOMA:
        _generacion[0] += 1


setting_changed.connect(_al_cambiar_ajuste)


def _constante(expresion) -> bool:
    """A FilterExpression that is a literal string with no filter."""
    if expresion is None:
        return True
    if expresion.filters:
        return False
    var = expresion.var
    return isinstance(var, str) or getattr(var, "lookups", True) is None


class NodoTraduccionFija(django_i18n.TranslateNode):
    def __init__(self, nodo: django_i18n.TranslateNode):
        super().__init__(nodo.filter_expression, nodo.noop, nodo.asvar, nodo.message_context)
        self.fija = (not nodo.asvar and _constante(nodo.filter_expression)
                     and _constante(nodo.message_context))
        self.textos: dict = {}

    def render(self, context):
        if not self.fija:
            return super().render(context)
        clave = (translation.get_language(), context.autoescape, _generacion[0])
        texto = self.textos.get(clave)
        if texto is None:
            texto = self.textos[clave] = super().render(context)
        return texto


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    return NodoTraduccionFija(django_i18n.do_translate(parser, token))
