"""``{% load i18n %}`` is cgii.templatetags.i18n_en_cache (issue 22): constant
``{% translate %}``s are remembered per language; its output is Django's own, whatever the
language, the escaping or the form of the tag."""

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from cgii.templatetags.i18n_en_cache import NodoTraduccionFija

FUENTE = (
    '{% load i18n %}[{% translate "Log in" %}][{% translate v %}][{% translate "a & b" %}]'
    '[{% translate "Log in" as x %}{{ x }}][{% translate "May" context "abbrev. month" %}]'
    '[{% translate "Log out" noop %}][{% translate "Log in"|upper %}]'
    '[{% translate "May" context c %}][{% blocktranslate %}Log in{% endblocktranslate %}]'
    '{% autoescape off %}[{% translate "Log in" %}][{% translate v %}]{% endautoescape %}'
)
CONTEXTO = {"v": "Log out", "c": "abbrev. month"}


def test_la_plantilla_del_proyecto_usa_los_nodos_en_cache():
    plantilla = engines["django"].from_string(FUENTE).template
    nodos = [n for n in plantilla.nodelist if isinstance(n, NodoTraduccionFija)]
    # Constant: "Log in", "a & b", the context one, noop; not: a variable, "as", a filter,
    # a variable context.
    assert [n.fija for n in nodos] == [True, False, True, False, True, True, False, False]


@pytest.mark.parametrize("idiomas", [("es", "en", "de", "es", "en")])
def test_la_salida_es_la_de_django_en_cada_idioma(idiomas):
    proyecto = engines["django"].from_string(FUENTE)
    django = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(FUENTE)
    for idioma in idiomas:  # again after the first pass: read from what each node kept
        with translation.override(idioma):
            esperado = django.render(Context(CONTEXTO))
            assert proyecto.render(CONTEXTO) == esperado, idioma
    with translation.override("es"):
        assert "[Iniciar sesión]" in proyecto.render(CONTEXTO)
    with translation.override("en"):
        assert "[Log in]" in proyecto.render(CONTEXTO)


def test_un_cambio_de_catalogos_no_deja_textos_viejos(settings):
    plantilla = engines["django"].from_string('{% load i18n %}{% translate "Log in" %}')
    with translation.override("es"):
        assert plantilla.render({}) == "Iniciar sesión"
        nodo = next(n for n in plantilla.template.nodelist if isinstance(n, NodoTraduccionFija))
        nodo.textos = {k: "viejo" for k in nodo.textos}  # as if the catalogue had changed
        assert plantilla.render({}) == "viejo"
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]  # Django reloads catalogues
        assert plantilla.render({}) == "Iniciar sesión"


def test_solo_i18n_tiene_dos_modulos():
    # templates.W003 is silenced in settings for this one label; any other is still an error.
    from django.core.checks.templates import check_templates

    avisos = [a for a in check_templates(None) if a.id == "templates.W003"]
    assert len(avisos) == 1 and avisos[0].msg.startswith("'i18n' "), [a.msg for a in avisos]
