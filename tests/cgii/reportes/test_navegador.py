"""reportes.js in Chromium, without a server: the report page rendered by Django is served
through Playwright's request routing, with the generation endpoints answered by the test.
The websocket cannot connect (nothing listens), which exercises the polling fallback;
events are then pushed into the page's own general stream (CGII.general.recibir)."""

import json
import os
from pathlib import Path

import pytest
from django.test import Client

from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = [pytest.mark.django_db, pytest.mark.e2e]

ESTATICOS = Path(__file__).resolve().parents[3] / "cgii" / "static"
BASE = "http://127.0.0.1:9"  # nothing listens: the websocket fails at once
CHROMIUM = os.environ.get("CGII_CHROMIUM", "/usr/bin/chromium")


def _pagina(analista, registrar_tipo) -> str:
    registrar_tipo("lento", asincrono=True)
    c = Client()
    iniciar_sesion_verificada(c, analista)
    r = c.get("/reportes/lento/?gestion=2026")
    assert r.status_code == 200
    return r.content.decode()


def test_barra_de_progreso_eventos_y_sondeo(analista, registrar_tipo):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed")
    html = _pagina(analista, registrar_tipo)
    estado = {"id": 7, "formato": "pdf", "estado": "generando", "progreso": 10, "mensaje": "",
              "nombre": "", "url": None}
    pedidos = []

    def responder(route, request):
        ruta = request.url.removeprefix(BASE)
        pedidos.append((request.method, ruta))
        if ruta.startswith("/static/"):
            archivo = ESTATICOS / ruta.removeprefix("/static/").split("?")[0]
            tipo = "text/css" if archivo.suffix == ".css" else "text/javascript"
            return route.fulfill(status=200, body=archivo.read_bytes(), content_type=tipo)
        if ruta == "/reportes/lento/?gestion=2026":
            return route.fulfill(status=200, body=html, content_type="text/html")
        if ruta == "/reportes/lento/generar/?gestion=2026" and request.method == "POST":
            assert request.headers.get("x-csrftoken")
            return route.fulfill(status=202, content_type="application/json", body=json.dumps(
                {"id": 7, "formato": "pdf", "estado": "pendiente", "progreso": 0,
                 "mensaje": "", "nombre": "", "url": None,
                 "url_estado": "/reportes/generados/7/"}))
        if ruta == "/reportes/generados/7/":
            return route.fulfill(status=200, content_type="application/json",
                                 body=json.dumps(estado))
        if ruta == "/api/v1/yo/":
            return route.fulfill(status=200, content_type="application/json", body="{}")
        return route.fulfill(status=404, body="")

    with sync_api.sync_playwright() as p:
        navegador = p.chromium.launch(executable_path=CHROMIUM,
                                      args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            pagina = navegador.new_page()
            pagina.route("**/*", responder)
            pagina.goto(f"{BASE}/reportes/lento/?gestion=2026")
            panel = pagina.locator("[data-generacion]")
            assert panel.is_hidden()
            pagina.get_by_role("button", name="Generar PDF").click()
            sync_api.expect(panel).to_be_visible()
            barra = panel.get_by_role("progressbar")
            # The stream is down: the script polls the state every 2 s.
            sync_api.expect(barra).to_have_attribute("aria-valuenow", "10", timeout=6000)
            # An event on the page's general stream moves the bar at once.
            pagina.evaluate("""() => CGII.general.recibir(JSON.stringify({id: 901,
                tipo: "reporte.progreso", datos: {reporte: 7, estado: "generando",
                progreso: 55, mensaje: "Calculando"}}))""")
            sync_api.expect(barra).to_have_attribute("aria-valuenow", "55")
            sync_api.expect(panel.locator("[data-mensaje]")).to_have_text("Calculando (55 %)")
            # Events of another report are ignored.
            pagina.evaluate("""() => CGII.general.recibir(JSON.stringify({id: 902,
                tipo: "reporte.progreso", datos: {reporte: 8, estado: "generando",
                progreso: 90}}))""")
            sync_api.expect(barra).to_have_attribute("aria-valuenow", "55")
            # Finished: the poll brings the URL and the download link appears.
            estado.update(estado="listo", progreso=100, nombre="prueba-2026.pdf",
                          url="/reportes/generados/7/descarga/")
            enlace = panel.get_by_role("link", name="Descargar prueba-2026.pdf")
            sync_api.expect(enlace).to_be_visible(timeout=6000)
            assert enlace.get_attribute("href") == "/reportes/generados/7/descarga/"
            assert ("POST", "/reportes/lento/generar/?gestion=2026") in pedidos

            # A second file fails: the error message is shown.
            estado.update(estado="generando", progreso=5, nombre="", url=None)
            pagina.get_by_role("button", name="Generar XLSX").click()
            sync_api.expect(enlace).to_be_hidden()  # the 202 answer arrived: a new file
            pagina.evaluate("""() => CGII.general.recibir(JSON.stringify({id: 903,
                tipo: "reporte.progreso", datos: {reporte: 7, estado: "error", progreso: 30,
                mensaje: "No hay datos para la gestión 2001."}}))""")
            sync_api.expect(panel.locator("[data-mensaje]")).to_have_text(
                "No hay datos para la gestión 2001.")
            sync_api.expect(panel).to_have_class("generacion tarjeta error")
        finally:
            navegador.close()
