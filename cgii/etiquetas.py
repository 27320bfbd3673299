"""``get_FOO_display()`` from a label table kept per field and language (issue 22).

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on
every call, which hashes every lazy label of the field — one gettext each. The staff
detail page called it 22 times (state, TLP, timeline entry types, indicator roles...),
~4 % of its profiled time. Mixed into a model, ``EtiquetasEnCache`` answers from a table
built once per (field, language); the label is still looked up with the active language.
Fields with callable choices (which may change) keep Django's own path.
"""

from django.utils import translation
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_tablas: dict = {}


def _tabla(field) -> dict | None:
    clave = (field, translation.get_language())
    tabla = _tablas.get(clave)
    if tabla is None:
        if isinstance(field.choices, CallableChoiceIterator):
            return None
        tabla = _tablas[clave] = {make_hashable(valor): force_str(etiqueta, strings_only=True)
                                  for valor, etiqueta in field.flatchoices}
    return tabla


class EtiquetasEnCache:
    """Put before ``models.Model`` in the bases."""

    def _get_FIELD_display(self, field):  # noqa: N802 - Django's name
        tabla = _tabla(field)
        if tabla is None:
            return super()._get_FIELD_display(field)
        valor = getattr(self, field.attname)
        return tabla.get(make_hashable(valor), force_str(valor, strings_only=True))
