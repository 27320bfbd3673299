"""``cgii.etiquetas.EtiquetasEnCache``: ``get_FOO_display()`` answers what Django's own
method answers (issue 22: it replaced it for speed), in every language, for every choice and
for a value outside the choices."""

import pytest
from django.db import models
from django.utils import translation

from incidentes.correo.models import CorreoEntrante
from incidentes.indicadores.models import Indicador, IndicadorIncidente
from incidentes.models import EntradaTimeline, Incidente, Tarea

MODELOS = [Incidente, Tarea, EntradaTimeline, Indicador, IndicadorIncidente, CorreoEntrante]


@pytest.mark.parametrize("modelo", MODELOS, ids=lambda m: m.__name__)
def test_igual_que_django_en_cada_idioma(modelo):
    campos = [f for f in modelo._meta.concrete_fields if f.choices]
    assert campos
    for idioma in ("es", "en", "es"):
        with translation.override(idioma):
            for campo in campos:
                for valor in [v for v, _e in campo.flatchoices] + ["no-es-una-opcion", None]:
                    instancia = modelo()
                    instancia.__dict__[campo.attname] = valor  # FSM fields are protected
                    propio = getattr(instancia, f"get_{campo.name}_display")()
                    django = models.Model._get_FIELD_display(instancia, campo)
                    assert propio == django and type(propio) is type(django), (campo, valor)

