"""The real dashboard panels (incidents, PISI): who sees what on /tablero/."""

import pytest
from django.urls import reverse

from planes_seguridad import cargador
from tests.entidades.sesiones import iniciar_sesion_verificada
from tests.incidentes.utiles import reportar
from tests.planes_seguridad.utiles import crear_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def datos(catalogos, reportante_a, reportante_b, rsi_a, entidad_a, entidad_b, settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    cargador.cargar_todo()
    a = reportar(reportante_a, entidad_a, titulo="Defacement del portal de A")
    b = reportar(reportante_b, entidad_b, titulo="Ransomware en B")
    plan = crear_plan(rsi_a, entidad_a)
    return a, b, plan


def test_el_personal_ve_cifras_nacionales(client, analista, datos, django_assert_max_num_queries):
    iniciar_sesion_verificada(client, analista)
    with django_assert_max_num_queries(40):
        html = client.get(reverse("tablero")).content.decode()
    assert "Tablero del CGII" in html
    assert "Reportados hoy" in html and "PISI: avance nacional" in html
    assert "Entidades del nivel central con PISI aprobado" in html
    # Staff panels list no incident of their own, and no entity table.
    assert "Mis incidentes abiertos" not in html and "Mi PISI" not in html


def test_la_entidad_ve_solo_lo_suyo(client, reportante_a, rsi_a, datos):
    a, b, plan = datos
    client.force_login(rsi_a)
    html = client.get(reverse("tablero")).content.decode()
    assert "Tablero de la entidad" in html
    assert a.codigo in html and "Defacement del portal de A" in html
    assert b.codigo not in html and "Ransomware en B" not in html
    assert "Mi PISI" in html and "Borrador" in html
    assert "avance nacional" not in html


def test_otra_entidad_no_ve_el_plan_ni_los_incidentes_de_a(client, reportante_b, datos):
    a, b, plan = datos
    client.force_login(reportante_b)
    html = client.get(reverse("tablero")).content.decode()
    assert b.codigo in html
    assert a.codigo not in html and "MPA" not in html
    assert "Su entidad aún no registró su PISI." in html
