"""Browser test: an entity reports an incident through the HTML form and the CGII analyst,
logged in with password + TOTP, finds it in the queue and opens it.

Needs Playwright and a Chromium binary (CGII_CHROMIUM, default /usr/bin/chromium); skipped
when either is missing.
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("CGII_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CLAVE = "Clave-de-prueba-2026"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed")


@pytest.fixture
def navegador():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, the ORM calls of the test get their own connection
        # (Django keys connections by context); close it here, inside that context, or the
        # test database cannot be dropped at the end of the session.
        connections.close_all()


@pytest.fixture
def catalogos_cargados(transactional_db):
    from protocolos import cargador, selectors

    selectors.limpiar_cache_calendarios()
    cargador.cargar_todo()
    yield
    selectors.limpiar_cache_calendarios()


def _ingresar(browser, base, usuario, codigo=None):
    pagina = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    pagina.goto(f"{base}/cuenta/ingresar/?next=/incidentes/")
    pagina.fill("#id_username", usuario)
    pagina.fill("#id_password", CLAVE)
    if codigo:
        pagina.fill("#id_codigo", codigo)
    pagina.click("form button[type=submit]")
    pagina.wait_for_load_state()
    assert pagina.url.endswith("/incidentes/"), pagina.url
    return pagina


# The database fixture comes before live_server so that the server (and its connection) is
# torn down before the test database is dropped.
def test_la_entidad_reporta_y_el_analista_lo_ve_en_la_cola(catalogos_cargados, live_server,
                                                           navegador, settings, tmp_path):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from incidentes.models import Incidente
    from tests.factories import crear_entidad, crear_usuario

    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    entidad = crear_entidad(nombre="Ministerio de Pruebas E2E", sigla="MPE")
    crear_usuario(username="reportante.e2e", entidad=entidad, rol_entidad="reportante",
                  password=CLAVE)
    analista = crear_usuario(username="analista.e2e", rol_cgii="analista", password=CLAVE)
    dispositivo = TOTPDevice.objects.create(user=analista, name="e2e", confirmed=True)
    base = live_server.url

    # The entity reports, with an evidence file.
    evidencia = tmp_path / "correo.eml"
    evidencia.write_text("From: soporte@falso.example\nSubject: Valide su cuenta\n\nhola\n")
    ent = _ingresar(navegador, base, "reportante.e2e")
    ent.click("text=Reportar incidente")
    ent.fill("#id_titulo", "Correos falsos que piden la contraseña")
    ent.fill("#id_descripcion", "Varios funcionarios recibieron un correo que suplanta a soporte.")
    ent.set_input_files("#id_evidencias", str(evidencia))
    ent.click("form.tarjeta button[type=submit]")
    # The form is sent with XMLHttpRequest (upload progress); then the page goes to the
    # new incident.
    ent.wait_for_url(re.compile(r"/incidentes/\d+/$"))
    incidente = Incidente.objects.get()
    assert ent.url.endswith(f"/incidentes/{incidente.pk}/")
    assert incidente.codigo in ent.locator(".mensajes").inner_text()
    assert ent.locator("#estado-actual").get_attribute("data-estado") == "reportado"
    assert ent.locator("#evidencias").get_by_text("correo.eml").count() == 1
    ent.goto(f"{base}/incidentes/")
    assert ent.locator(f"a[href='/incidentes/{incidente.pk}/']").count() >= 1

    # The analyst logs in with the TOTP code and finds it in the queue.
    an = _ingresar(navegador, base, "analista.e2e", codigo=f"{totp(dispositivo.bin_key):06d}")
    fila = an.locator("table.tabla-incidentes tbody tr", has_text=incidente.codigo)
    assert fila.count() == 1
    assert "MPE" in fila.inner_text() and "sin asignar" in fila.inner_text()
    fila.get_by_role("link", name=incidente.codigo).click()
    an.wait_for_load_state()
    assert an.locator("h1").inner_text() == "Correos falsos que piden la contraseña"
    assert an.locator("button[data-transicion=iniciar_triaje]").count() == 1
    an.click("button[data-accion=tomar]")
    an.wait_for_load_state()
    incidente.refresh_from_db()
    assert incidente.analista_id == analista.pk
