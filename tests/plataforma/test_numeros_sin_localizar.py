"""Numbers that reach CSS, attributes or SVG are never localised (issue 17).

Under the ``es`` locale Django writes 49.1 as "49,1"; in ``style="width: 49,1%"`` the browser
drops the declaration and the bar draws full. This renders EVERY template of the project with
a context in which every variable is a fractional number (``Comodin``: 49.1, whose attributes,
items and elements are 49.1 again), and looks at every style, data-*, ARIA value and SVG
geometry attribute of the output for a decimal comma.
"""

import re
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, defaulttags, engines
from django.utils import translation

RAIZ = Path(settings.BASE_DIR)
CARPETAS = [RAIZ / "cgii", RAIZ / "incidentes", RAIZ / "planes_seguridad", RAIZ / "protocolos"]

# Attributes that carry a number for the browser (never text for people).
NUMERICOS = re.compile(
    r'\s(style|data-[\w-]+|aria-value(?:now|min|max)|viewBox|x|y|x1|x2|y1|y2|cx|cy|r|'
    r'width|height|points|d|transform|offset|stroke-width|stroke-dasharray|font-size)'
    r'="([^"]*)"')
COMA_DECIMAL = re.compile(r"\d,\d")
# data-* attributes that carry a code or text, never a number: a state, a transition, an SLA
# metric or state, a protocol phase or step code, an incident code, a counter's key, the
# console's query string, a notification type (``estado_texto``: text for people), the URL
# of a console row's assign action (built once per page by the view).
TEXTO = {"data-estado", "data-estado-texto", "data-abrir", "data-transicion", "data-bloqueada",
         "data-metrica", "data-plazo", "data-fase", "data-tarea", "data-estado-sla",
         "data-codigo", "data-contador", "data-filtros", "data-tipo", "data-asignar"}
# Primary keys are integers: Django writes them without separators (USE_THOUSAND_SEPARATOR
# is off), so the wildcard answers them as one.
CLAVES = {"pk", "id"}

_esperado = threading.local()


class Comodin(float):
    """49.1 everywhere: an attribute, an item, an element or a call of it is 49.1 again."""

    def __new__(cls, valor=49.1):
        return super().__new__(cls, valor)

    def __getattr__(self, nombre):
        if nombre.startswith("_"):
            raise AttributeError(nombre)
        if nombre in ("alters_data", "do_not_call_in_templates"):
            return False
        return 7 if nombre in CLAVES or nombre.endswith("_id") else Comodin()

    def __getitem__(self, clave):
        # Templates look names up as items first ({{ p.pk }} tries p["pk"]).
        return self.__getattr__(clave) if isinstance(clave, str) else Comodin()

    def __iter__(self):
        # {% for a, b in x %} unpacks each item into as many names as the loop has.
        n = getattr(_esperado, "n", 1)
        return iter([Fila(n) if n > 1 else Comodin()])

    def __len__(self):
        return 1

    def __call__(self, *args, **kwargs):
        return Comodin()

    def __rsub__(self, otro):
        # now - moment (relative-time filters): a fractional number of seconds ago
        if isinstance(otro, datetime):
            return timedelta(seconds=float(self))
        return super().__rsub__(otro)


class Fila(tuple):
    def __new__(cls, n):
        return super().__new__(cls, [Comodin()] * n)


class ContextoComodin(Context):
    def __getitem__(self, clave):
        try:
            return super().__getitem__(clave)
        except KeyError:
            return Comodin()

    def get(self, clave, otherwise=None):
        valor = super().get(clave, otherwise)
        return Comodin() if valor is None and clave not in ("csrf_token",) else valor


def plantillas() -> list[Path]:
    return sorted(p for c in CARPETAS for p in c.rglob("templates/**/*.html"))


def _nombre(ruta: Path) -> str:
    partes = ruta.parts
    return "/".join(partes[len(partes) - partes[::-1].index("templates"):])


@pytest.fixture
def sin_url(monkeypatch):
    """{% url %} with 49.1 as an id cannot reverse; the test is about numbers, not links."""
    def render(self, context):
        if self.asvar:
            context[self.asvar] = "/u/"
            return ""
        return "/u/"

    monkeypatch.setattr(defaulttags.URLNode, "render", render)
    original = defaulttags.ForNode.render

    def para(self, context):
        anterior = getattr(_esperado, "n", 1)
        _esperado.n = len(self.loopvars)
        try:
            return original(self, context)
        finally:
            _esperado.n = anterior

    monkeypatch.setattr(defaulttags.ForNode, "render", para)


# The value of a progress bar, a meter or a number field is a number too (a text field's is
# text for people).
VALORES = re.compile(r'<(?:progress|meter|input[^>]*type="(?:number|range)")[^>]*\svalue="([^"]*)"')


def comas(html: str) -> list[str]:
    return ([f"{nombre}={valor!r}" for nombre, valor in NUMERICOS.findall(html)
             if nombre not in TEXTO and COMA_DECIMAL.search(valor)]
            + [f"value={v!r}" for v in VALORES.findall(html) if COMA_DECIMAL.search(v)])


def test_el_comodin_si_se_localiza_sin_la_correccion(sin_url):
    """The check can fail: a template that writes the number as is shows the comma."""
    motor = engines["django"]
    with translation.override("es"):
        mal = motor.from_string('<span style="width: {{ p.pct }}%"></span>').template.render(
            ContextoComodin({}))
        bien = motor.from_string(
            '{% load l10n %}<span style="width: {{ p.pct|unlocalize }}%"></span>'
        ).template.render(ContextoComodin({}))
    assert comas(mal) == ["style='width: 49,1%'"]
    assert comas(bien) == [] and "49.1%" in bien


def test_ninguna_plantilla_escribe_una_coma_decimal_en_un_atributo(sin_url, db):
    motor = engines["django"]
    encontradas, fallidas, renderizadas = {}, {}, 0
    with translation.override("es"):
        for ruta in plantillas():
            nombre = _nombre(ruta)
            try:
                html = motor.get_template(nombre).template.render(ContextoComodin({}))
            except Exception as exc:  # noqa: BLE001 - listed below, the test fails on them
                fallidas[nombre] = f"{type(exc).__name__}: {exc}"
                continue
            renderizadas += 1
            if c := comas(html):
                encontradas[nombre] = c
    assert not encontradas, "\n".join(f"{k}: {v}" for k, v in encontradas.items())
    assert not fallidas, "\n".join(f"{k}: {v}" for k, v in fallidas.items())
    assert renderizadas == len(plantillas()) > 60
