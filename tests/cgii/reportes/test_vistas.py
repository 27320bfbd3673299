import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db


@pytest.fixture
def cliente_analista(analista):
    c = Client()
    iniciar_sesion_verificada(c, analista)
    return c


@pytest.fixture
def cliente_entidad(reportante_a):
    c = Client()
    c.force_login(reportante_a)
    return c


def test_indice_con_y_sin_tipos(cliente_analista, cliente_entidad, sin_tipos, registrar_tipo):
    r = cliente_analista.get("/reportes/")
    assert r.status_code == 200
    assert "No tiene reportes disponibles" in r.content.decode()
    assert 'href="/reportes/"' not in r.content.decode()  # no nav link without types

    registrar_tipo("prueba")
    r = cliente_analista.get("/reportes/")
    html = r.content.decode()
    assert "Reporte prueba" in html and 'href="/reportes/prueba/"' in html
    assert 'href="/reportes/"' in html  # the nav link
    # The type is staff-only: the entity user sees neither it nor the nav link.
    html = cliente_entidad.get("/reportes/").content.decode()
    assert "Reporte prueba" not in html and 'href="/reportes/"' not in html


def test_anonimo_va_al_login(registrar_tipo):
    registrar_tipo("prueba")
    r = Client().get("/reportes/prueba/")
    assert r.status_code == 302 and "/cuenta/" in r["Location"]


def test_clave_desconocida_o_no_visible_es_404(cliente_analista, cliente_entidad,
                                                registrar_tipo):
    registrar_tipo("prueba")
    assert cliente_analista.get("/reportes/no-existe/").status_code == 404
    assert cliente_entidad.get("/reportes/prueba/").status_code == 404
    assert cliente_entidad.get("/reportes/prueba/descargar/csv/?tabla=entidades"
                               ).status_code == 404
    assert cliente_entidad.post("/reportes/prueba/generar/", {"formato": "pdf"}
                                ).status_code == 404


def test_pagina_con_valores_iniciales_muestra_el_documento(cliente_analista, registrar_tipo):
    registrar_tipo("prueba")
    r = cliente_analista.get("/reportes/prueba/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Reporte de prueba &lt;CGII&gt; &amp; «compañía»" in html
    assert 'id="seccion-resumen"' in html and 'id="seccion-detalle"' in html
    assert "<svg" in html and 'role="img"' in html
    assert 'class="num">62,5\u00a0%' in html
    assert "meta 100\u00a0%" in html
    assert "/reportes/prueba/descargar/pdf/?gestion=2026" in html
    assert "/reportes/prueba/descargar/csv/?gestion=2026&amp;tabla=entidades" in html
    assert 'value="2026"' in html  # the form shows the values used
    assert "<script>" not in html  # CSP: no inline script
    assert r.headers.get("Content-Security-Policy")


def test_parametros_invalidos_400_con_errores(cliente_analista, registrar_tipo):
    registrar_tipo("prueba")
    r = cliente_analista.get("/reportes/prueba/?gestion=1900")
    assert r.status_code == 400
    html = r.content.decode()
    assert "errorlist" in html and "Revise los parámetros" in html
    assert "seccion-resumen" not in html
    r = cliente_analista.get("/reportes/prueba/descargar/xlsx/?gestion=abc")
    assert r.status_code == 400


def test_errores_de_construir(cliente_analista, registrar_tipo):
    registrar_tipo("prueba")
    r = cliente_analista.get("/reportes/prueba/?gestion=2001")
    assert r.status_code == 400 and "No hay datos para la gestión 2001." in r.content.decode()
    assert cliente_analista.get("/reportes/prueba/?gestion=2002").status_code == 404
    assert cliente_analista.get("/reportes/prueba/descargar/pdf/?gestion=2001"
                                ).status_code == 400


def test_descargas_con_cabeceras(cliente_analista, registrar_tipo):
    registrar_tipo("prueba")
    r = cliente_analista.get("/reportes/prueba/descargar/xlsx/?gestion=2026")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["Content-Disposition"] == 'attachment; filename="prueba-2026.xlsx"'
    assert r["Cache-Control"] == "private, no-store"
    assert load_workbook(io.BytesIO(r.content)).sheetnames[0] == "Portada"

    r = cliente_analista.get("/reportes/prueba/descargar/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert r["Content-Disposition"] == 'attachment; filename="prueba-2026.pdf"'

    r = cliente_analista.get("/reportes/prueba/descargar/csv/?gestion=2026&tabla=entidades")
    assert r.status_code == 200 and r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="prueba-2026-entidades.csv"'
    texto = r.content.decode("utf-8")
    assert texto.startswith("\ufeffEntidad,Incidentes,")
    assert "MINEDU,12,3.25,62.5,2026-03-05," in texto

    assert cliente_analista.get("/reportes/prueba/descargar/csv/?tabla=otra").status_code == 404
    assert cliente_analista.get("/reportes/prueba/descargar/doc/").status_code == 404


def test_tipo_asincrono_no_descarga_pdf_directo(cliente_analista, registrar_tipo):
    registrar_tipo("lento", asincrono=True)
    r = cliente_analista.get("/reportes/lento/descargar/pdf/?gestion=2026")
    assert r.status_code == 302 and r["Location"] == "/reportes/lento/?gestion=2026"
    html = cliente_analista.get("/reportes/lento/?gestion=2026").content.decode()
    assert 'action="/reportes/lento/generar/?gestion=2026"' in html and "data-generar" in html
    # CSV of one table is small: still direct.
    assert cliente_analista.get("/reportes/lento/descargar/csv/?tabla=entidades"
                                ).status_code == 200


def test_generar_solo_para_asincronos(cliente_analista, registrar_tipo):
    registrar_tipo("prueba")
    r = cliente_analista.post("/reportes/prueba/generar/", {"formato": "pdf"},
                              HTTP_ACCEPT="application/json")
    assert r.status_code == 400
    assert cliente_analista.get("/reportes/prueba/generar/").status_code == 405


def test_descargas_quedan_en_auditoria(cliente_analista, analista, registrar_tipo):
    from cgii.auditoria.models import RegistroAuditoria

    registrar_tipo("prueba")
    cliente_analista.get("/reportes/prueba/?gestion=2026")  # viewing is not recorded
    assert not RegistroAuditoria.objects.filter(accion="reporte.descargar").exists()
    cliente_analista.get("/reportes/prueba/descargar/csv/?gestion=2026&tabla=entidades")
    cliente_analista.get("/reportes/prueba/descargar/xlsx/?gestion=2026")
    filas = list(RegistroAuditoria.objects.filter(accion="reporte.descargar")
                 .order_by("secuencia"))
    assert [f.datos["formato"] for f in filas] == ["csv", "xlsx"]
    assert filas[0].actor_id == analista.pk and filas[0].datos["tabla"] == "entidades"
    assert filas[1].datos["parametros"] == {"gestion": ["2026"]}
