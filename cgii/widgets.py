"""Form widgets that write their HTML in Python instead of through Django's widget templates.

Django renders a ``<select>`` with one template render per ``<option>`` (the option template
and its attributes template, each with a context of its own): the incident detail page's
classification form, ~45 options, spent ~8 ms of a ~30 ms page on it (issue 22). These
widgets produce the same elements and attributes as the templates (name, id, ``required``,
``selected``, ``<optgroup label>``), from the same ``choices`` and the same bound value,
with every label and value escaped."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _opcion(valor, etiqueta, elegidos: set[str], marcado: list[bool]) -> str:
    valor = "" if valor is None else str(valor)
    # Like ChoiceWidget.optgroups: a single select marks only the first matching option.
    seleccionada = valor in elegidos and not marcado
    if seleccionada:
        marcado.append(True)
    marca = " selected" if seleccionada else ""
    return f'<option value="{escape(valor)}"{marca}>{escape(etiqueta)}</option>'


class SelectDirecto(forms.Select):
    """``forms.Select`` without templates: ``render`` writes the options itself. Grouped
    choices (``(grupo, [(valor, etiqueta), ...])``) become ``<optgroup>``s, as in Django."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        atributos = self.build_attrs(self.attrs, attrs)
        elegidos = set(self.format_value(value))
        marcado: list[bool] = []
        partes = [f'<select name="{escape(name)}"{flatatt(atributos)}>']
        for valor, etiqueta in self.choices:
            if isinstance(etiqueta, (list, tuple)):
                partes.append(f'<optgroup label="{escape(valor)}">')
                partes.extend(_opcion(v, e, elegidos, marcado) for v, e in etiqueta)
                partes.append("</optgroup>")
            else:
                partes.append(_opcion(valor, etiqueta, elegidos, marcado))
        partes.append("</select>")
        return mark_safe("\n".join(partes))  # noqa: S308 - every name, value and label escaped
