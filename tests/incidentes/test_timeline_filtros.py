"""Issue 18 (part C): timeline filters on the incident detail, by kind and (staff only)
internal vs shared; without JavaScript they are a GET form that hides entries server-side."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentes import services, timeline_filtros

from .paginas import cliente, url
from .utiles import triar

pytestmark = pytest.mark.django_db


def _visibles(html: str) -> list[str]:
    """The kinds of the timeline entries shown (not carrying the hidden attribute)."""
    return [m.group(1) for m in re.finditer(
        r'<li data-entrada="\d+" class="entrada tipo-(\w+)[^"]*"(?! hidden)>', html)]


def _ocultas(html: str) -> list[str]:
    return re.findall(r'<li data-entrada="\d+" class="entrada tipo-(\w+)[^"]*" hidden>', html)


@pytest.fixture
def movido(incidente, analista, reportante_a):
    triar(incidente, analista, nota_interna="Nota interna: parece campaña conocida")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto="Mensaje a la entidad", compartido=True)
    services.evidencia_subir(actor=reportante_a, incidente_id=incidente.pk,
                             archivo=SimpleUploadedFile("log.txt", b"192.0.2.1 GET /\n"))
    return incidente


def test_sin_filtro_se_ve_todo(movido, analista):
    html = cliente(analista).get(url(movido)).content.decode()
    assert _ocultas(html) == [] and len(_visibles(html)) >= 5
    assert 'name="ver" value="mensajes"' in html and 'name="visibilidad"' in html


def test_filtro_por_tipo_sin_js(movido, analista):
    html = cliente(analista).get(url(movido) + "?ver=mensajes").content.decode()
    visibles = set(_visibles(html))
    assert visibles and visibles <= {"reporte", "mensaje", "comentario", "solicitud",
                                     "respuesta", "confirmacion"}
    assert "transicion" in _ocultas(html) and "evidencia" in _ocultas(html)
    assert 'value="mensajes" checked' in html
    html = cliente(analista).get(url(movido) + "?ver=evidencias&ver=estados").content.decode()
    assert set(_visibles(html)) >= {"evidencia", "transicion"}
    assert "comentario" in _ocultas(html)


def test_internas_y_compartidas_para_el_personal(movido, analista):
    c = cliente(analista)
    internas = c.get(url(movido) + "?visibilidad=interna").content.decode()
    assert "Nota interna: parece campaña conocida" in internas
    assert re.search(r'class="entrada tipo-comentario interna[^"]*">', internas)
    assert all(" compartida" not in m for m in re.findall(
        r'<li data-entrada="\d+" class="([^"]*)"(?! hidden)>', internas))
    compartidas = c.get(url(movido) + "?visibilidad=compartida").content.decode()
    assert re.search(r'class="entrada tipo-comentario interna[^"]*" hidden>', compartidas)


def test_la_entidad_no_tiene_filtro_de_visibilidad_ni_ve_internas(movido, reportante_a):
    html = cliente(reportante_a).get(url(movido) + "?visibilidad=interna").content.decode()
    assert 'name="visibilidad"' not in html
    assert "Nota interna: parece campaña conocida" not in html
    assert _ocultas(html) == []  # the parameter is ignored, not applied to shared entries


def test_valores_desconocidos_se_ignoran(movido, analista):
    r = cliente(analista).get(url(movido) + "?ver=nada&visibilidad=secreta")
    assert r.status_code == 200 and _ocultas(r.content.decode()) == []


def test_sin_coincidencias_lo_dice(incidente, reportante_a):
    html = cliente(reportante_a).get(url(incidente) + "?ver=tareas").content.decode()
    assert re.search(r'data-sin-coincidencias role="status">', html)


def test_categorias_cubren_cada_tipo():
    from incidentes.models import TipoEntrada

    for tipo in TipoEntrada.values:
        assert timeline_filtros.categoria_de(tipo) in timeline_filtros.CATEGORIAS
    assert timeline_filtros.categoria_de("tipo-nuevo") == "otros"


def test_consultas_acotadas_con_filtro(movido, analista, django_assert_max_num_queries):
    c = cliente(analista)
    with CaptureQueriesContext(connection) as sin_filtro:
        c.get(url(movido))
    for i in range(15):
        services.incidente_comentar(actor=analista, incidente_id=movido.pk,
                                    texto=f"nota {i}", compartido=bool(i % 2))
    with django_assert_max_num_queries(len(sin_filtro.captured_queries)):
        r = c.get(url(movido) + "?ver=mensajes&ver=tareas&visibilidad=interna")
    assert r.status_code == 200
