"""A large STIX import in Chromium against a real daphne: the bundle is uploaded through the
form, queued, and the status page's bar follows the import's progress events over the
websocket (not by polling), then shows the counts when the import ends, without a reload
by the user."""

import json
import time

import pytest
from django.db import transaction
from playwright.sync_api import expect

from incidentes.indicadores.models import ImportacionSTIX, Indicador
from incidentes.indicadores.services import importacion as servicio_importacion
from incidentes.indicadores.services import stix_importar_procesar
from tests.e2e.conftest import analista_con_totp, codigo_totp, ingresar
from tests.indicadores.utiles import bundle, indicador


@pytest.fixture
def importaciones_en_segundo_plano(monkeypatch):
    """Requested before ``servidor_asgi``: the server starts with this environment, so any
    bundle of more than one object is queued (the default threshold is in the thousands)."""
    monkeypatch.setenv("CGII_STIX_ASINCRONO_DESDE", "1")


def test_la_barra_de_importacion_avanza_por_el_websocket(
        importaciones_en_segundo_plano, servidor_asgi, despachador, navegador, tmp_path):
    analista, dispositivo = analista_con_totp("analista.stix")
    archivo = tmp_path / "campana.json"
    archivo.write_bytes(json.dumps(bundle(
        indicador("[ipv4-addr:value = '45.33.32.156']"),
        indicador("[domain-name:value = 'c2.malo.example']"),
        indicador("[url:value = 'http://malo.example/x']"))).encode())

    an = ingresar(navegador, servidor_asgi.url, "analista.stix",
                  codigo=codigo_totp(dispositivo), siguiente="/indicadores/importar/")
    an.set_input_files("#id_archivo", str(archivo))
    an.select_option("#id_tlp", "green")
    an.click("form.formulario-importar button[type=submit]")
    an.wait_for_url("**/indicadores/importaciones/*/")
    importacion = ImportacionSTIX.objects.get()
    assert importacion.estado == "pendiente"  # queued: no worker runs in this test
    barra = an.locator("[data-barra]")
    an.wait_for_function("() => window.CGII && CGII.general.estado === 'conectado'",
                         timeout=10_000)  # a function: a string expression is eval'd (CSP)
    time.sleep(0.3)  # the status read the page makes on connecting has come back
    consultas = []
    an.on("request", lambda r: consultas.append(r.url) if "/estado/" in r.url else None)

    # What the import task reports part-way (its own function): the bar moves at once.
    with transaction.atomic():
        importacion.estado = "procesando"
        importacion.save(update_fields=["estado"])
        servicio_importacion._avance(importacion, 62, procesados=2, emitir=True)
    expect(barra).to_have_attribute("value", "62", timeout=5_000)
    assert consultas == []  # the websocket event moved it, not the polling fallback

    # The import runs to the end: the page shows the counts by itself.
    assert stix_importar_procesar(importacion.pk) == "completada"
    expect(an.locator(".cifras")).to_be_visible(timeout=10_000)
    assert Indicador.objects.count() == 3
    assert "indicadores nuevos (creados)" in an.locator(".cifras").inner_text()
    assert not an.errores_js, an.errores_js
