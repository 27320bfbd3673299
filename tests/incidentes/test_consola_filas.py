"""What each console row carries for the page's script (issue 22 moved it off the live SLA
figures): the deadline, the warning instant of the clock that sets it, the row's links."""

import re

import pytest
from django.utils.dateformat import format as formato_fecha
from django.utils.timezone import localtime

from incidentes import sla
from incidentes.models import Incidente
from protocolos.models import RelojSLA

from .paginas import cliente
from .utiles import reportar

pytestmark = pytest.mark.django_db


def _fila(html: str, pk: int) -> str:
    return re.search(rf'<tr id="fila-{pk}".*?</tr>', html, re.S).group(0)


def test_la_fila_lleva_la_advertencia_del_reloj_que_fija_el_vencimiento(
        catalogos, reportante_a, entidad_a, analista):
    inc = reportar(reportante_a, entidad_a, titulo="Servidor caído", descripcion="No responde.")
    inc.refresh_from_db()
    reloj = RelojSLA.objects.get(ambito=sla.AMBITO, objeto_id=inc.pk, vence=inc.vence_sla)
    assert reloj.advertencia_en is not None
    fila = _fila(cliente(analista).get("/incidentes/consola/").content.decode(), inc.pk)
    assert f'data-advertencia="{formato_fecha(localtime(reloj.advertencia_en), "c")}"' in fila
    assert f'data-vence="{formato_fecha(localtime(inc.vence_sla), "c")}"' in fila
    assert f'href="/incidentes/{inc.pk}/"' in fila
    assert f'action="/incidentes/{inc.pk}/accion/tomar/"' in fila


def test_un_reloj_en_pausa_no_da_advertencia(catalogos, reportante_a, entidad_a):
    inc = reportar(reportante_a, entidad_a, titulo="Servidor caído", descripcion="No responde.")
    inc.refresh_from_db()
    assert sla.advertencias_de([inc])
    RelojSLA.objects.filter(objeto_id=inc.pk).update(estado="pausado")
    assert sla.advertencias_de([Incidente.objects.get(pk=inc.pk)]) == {}
