"""``cgii.widgets.SelectDirecto`` writes the same ``<select>`` as Django's templates (issue 22:
it replaced them on the detail page for speed), with labels and values escaped."""

import pytest
from django import forms
from django.test.html import parse_html

from cgii.widgets import SelectDirecto

AGRUPADAS = [
    ("", "— Seleccione —"),
    ("Código <malicioso>", [("ransomware", "Ransomware"), ("a&b", 'Comillas " y <b>')]),
    ("Otros", [("otro", "Otro"), (3, "Tres")]),
    ("suelta", "Opción sin grupo"),
]


@pytest.mark.parametrize("valor", ["", None, "ransomware", "a&b", 3, "3", "no-existe"])
@pytest.mark.parametrize("atributos", [{"id": "id_tipo", "required": True},
                                       {"id": "x", "required": False, "class": "c"}, None])
def test_igual_que_el_select_de_django(valor, atributos):
    directo = SelectDirecto(choices=AGRUPADAS).render("tipo", valor, atributos)
    django = forms.Select(choices=AGRUPADAS).render("tipo", valor, atributos)
    assert parse_html(directo) == parse_html(django)


def test_escapa_etiquetas_y_valores():
    html = SelectDirecto(choices=AGRUPADAS).render("tipo", "a&b")
    assert "<malicioso>" not in html and "<b>" not in html
    assert '<optgroup label="Código &lt;malicioso&gt;">' in html
    assert '<option value="a&amp;b" selected>Comillas &quot; y &lt;b&gt;</option>' in html


def test_marca_una_sola_opcion_como_django():
    repetidas = [("a", "Uno"), ("a", "Otra vez")]
    html = SelectDirecto(choices=repetidas).render("x", "a")
    assert html.count(" selected") == 1


def test_en_un_formulario_conserva_id_required_y_valor_inicial():
    class Formulario(forms.Form):
        tipo = forms.ChoiceField(choices=AGRUPADAS, widget=SelectDirecto)
        nivel = forms.TypedChoiceField(choices=[(1, "Bajo"), (2, "Medio")], coerce=int,
                                       widget=SelectDirecto)

    f = Formulario(initial={"tipo": "otro", "nivel": 2})
    assert parse_html(str(f["tipo"])) == parse_html(
        '<select name="tipo" id="id_tipo" required>'
        '<option value="">— Seleccione —</option>'
        '<optgroup label="Código &lt;malicioso&gt;"><option value="ransomware">Ransomware'
        '</option><option value="a&amp;b">Comillas &quot; y &lt;b&gt;</option></optgroup>'
        '<optgroup label="Otros"><option value="otro" selected>Otro</option>'
        '<option value="3">Tres</option></optgroup>'
        '<option value="suelta">Opción sin grupo</option></select>')
    # Without an empty first option Django leaves ``required`` out; so does this widget.
    assert 'required' not in str(f["nivel"]) and '<option value="2" selected>' in str(f["nivel"])
