"""The dashboard page composes the panels each user may see, through the report templates."""

import pytest
from django.urls import reverse

from cgii.entidades.selectors import es_personal_cgii, membresias_activas
from cgii.reportes import tablero
from cgii.reportes.documento import Cifra, Seccion
from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db


def _secciones_staff(*, usuario, ahora):
    return [Seccion("nacional", "Panel nacional", cifras=[Cifra("Abiertos", 1234)])]


def _secciones_entidad(*, usuario, ahora):
    siglas = ", ".join(m.entidad.sigla for m in membresias_activas(usuario))
    return [Seccion("propio", f"Panel de {siglas}", cifras=[Cifra("Cumplimiento", 62.5,
                                                                    "porcentaje", meta=100)])]


@pytest.fixture
def paneles():
    registrados = [
        tablero.Panel("prueba-staff", es_personal_cgii, _secciones_staff, orden=1),
        tablero.Panel("prueba-entidad", lambda u: bool(membresias_activas(u)),
                      _secciones_entidad, orden=2),
    ]
    originales = dict(tablero._paneles)
    tablero._paneles.clear()
    for panel in registrados:
        tablero.registrar_panel(panel)
    yield
    tablero._paneles.clear()
    tablero._paneles.update(originales)


def test_el_personal_ve_solo_los_paneles_nacionales(client, analista, paneles):
    iniciar_sesion_verificada(client, analista)
    respuesta = client.get(reverse("tablero"))
    assert respuesta.status_code == 200
    html = respuesta.content.decode()
    assert "Tablero del CGII" in html
    assert "Panel nacional" in html and "1\u202f234" in html
    assert "Panel de" not in html


def test_la_entidad_ve_solo_su_panel(client, reportante_a, paneles):
    client.force_login(reportante_a)
    html = client.get(reverse("tablero")).content.decode()
    assert "Tablero de la entidad" in html
    assert "Panel de MPA" in html and "62,5" in html and "meta 100" in html
    assert "Panel nacional" not in html


def test_sin_paneles_muestra_un_aviso(client, reportante_a):
    originales = dict(tablero._paneles)
    tablero._paneles.clear()
    try:
        client.force_login(reportante_a)
        html = client.get(reverse("tablero")).content.decode()
    finally:
        tablero._paneles.update(originales)
    assert "No hay paneles disponibles" in html


def test_exige_sesion(client):
    respuesta = client.get(reverse("tablero"))
    assert respuesta.status_code == 302


def test_parcial_devuelve_solo_los_paneles(client, reportante_a, paneles):
    client.force_login(reportante_a)
    completa = client.get(reverse("tablero")).content.decode()
    assert 'data-url-parcial="/tablero/?parcial=1"' in completa and "tablero.js" in completa
    assert "data-secuencia=" in completa  # the socket resumes from the page's position
    parcial = client.get(reverse("tablero") + "?parcial=1").content.decode()
    assert parcial.lstrip().startswith('<div data-panel="tablero">')
    assert "Panel de MPA" in parcial and "<html" not in parcial
