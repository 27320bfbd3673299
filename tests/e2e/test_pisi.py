"""Browser test of the PISI pages: an entity's RSI creates its plan, fills the draft with the
minimum the CGII requires (scope, RSI, committee, policy, a decided SoA) and submits it; a
CGII auditor, logged in with password + TOTP, finds it in the review queue and opens it.

Needs Playwright and a Chromium binary (CGII_CHROMIUM, default /usr/bin/chromium); skipped
when either is missing.
"""

import pytest

from .conftest import CLAVE, ingresar

pytestmark = pytest.mark.e2e


@pytest.fixture
def catalogos_pisi_cargados(catalogos_cargados):
    from planes_seguridad import cargador

    if cargador.faltantes():
        pytest.skip("Faltan los catálogos YAML de controles")
    cargador.cargar_todo()


# The database fixtures come before live_server so that the server (and its connection) is
# torn down before the test database is dropped.
def test_el_rsi_presenta_su_plan_y_el_auditor_lo_ve_en_la_cola(
        catalogos_pisi_cargados, live_server, navegador, settings, tmp_path):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from planes_seguridad.models import PlanInstitucional
    from tests.factories import crear_entidad, crear_usuario

    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    entidad = crear_entidad(nombre="Ministerio de Pruebas PISI", sigla="MPP")
    rsi = crear_usuario(username="rsi.e2e", entidad=entidad, rol_entidad="rsi", password=CLAVE,
                        first_name="Rosa", last_name="Mamani")
    auditor = crear_usuario(username="auditor.e2e", rol_cgii="auditor", password=CLAVE)
    dispositivo = TOTPDevice.objects.create(user=auditor, name="e2e", confirmed=True)
    politica = tmp_path / "politica.pdf"
    politica.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n"
                         b"<< /Root 1 0 R >>\n%%EOF\n")
    base = live_server.url
    errores: list[str] = []

    # The RSI creates the plan for the current gestión on ISO/IEC 27002:2013.
    ent = ingresar(navegador, base, "rsi.e2e", siguiente="/pisi/")
    ent.on("response", lambda r: r.status >= 500 and errores.append(f"{r.status} {r.url}"))
    assert ent.locator("h1").inner_text() == "Mis planes de seguridad (PISI)"
    ent.click("text=Nuevo plan")
    ent.click("form.tarjeta button[type=submit]")
    ent.wait_for_load_state()
    plan = PlanInstitucional.objects.get(entidad=entidad)
    assert ent.url.endswith(f"/pisi/{plan.pk}/datos/")

    # General data: scope, RSI, one committee member, the policy and its approval date.
    ent.fill("#id_alcance", "Todos los procesos y sistemas del Ministerio.")
    ent.select_option("#id_rsi", str(rsi.pk))
    ent.fill("#id_politica_aprobada_en", "2026-03-02")
    ent.set_input_files("#id_politica", str(politica))
    ent.fill("#id_comite-0-nombre", "Rosa Mamani")
    ent.fill("#id_comite-0-cargo", "Responsable de Seguridad de la Información")
    ent.select_option("#id_comite-0-rol", "secretario")
    ent.click("#guardar-datos")
    ent.wait_for_load_state()
    assert "Datos del plan guardados." in ent.locator(".mensajes").inner_text()

    # The SoA: one control excluded with its justification, the rest declared applicable.
    ent.click("nav.pestanas >> text=Aplicabilidad")
    ent.wait_for_load_state()
    ent.fill("input[name=q]", "11.1.6")
    ent.click("form.filtros button[type=submit]")
    ent.wait_for_load_state()
    fila = ent.locator("tr.fila-soa#c-11\\.1\\.6")
    fila.locator("select[data-aplica]").select_option("no")
    assert fila.locator("textarea[data-justificacion]").is_visible()
    fila.locator("textarea[data-justificacion]").fill("Sin áreas de carga y descarga.")
    ent.click("#guardar-soa")
    ent.wait_for_load_state()
    assert "1 control actualizado" in ent.locator(".mensajes").inner_text()
    # Every decided line carries its justification (issue 23): one for all of them here.
    ent.fill("#justificacion-comun", "Riesgos identificados en la evaluación de riesgos.")
    ent.click("#aplicar-pendientes")
    ent.wait_for_load_state()
    assert "113 controles sin decidir" in ent.locator(".mensajes").inner_text()

    # Submit to CGII from the summary tab.
    ent.click("nav.pestanas >> text=Resumen")
    ent.wait_for_load_state()
    assert ent.locator(".bloqueadas").count() == 0, ent.locator(".bloqueadas").inner_text()
    ent.click("summary[data-abrir=presentar]")
    ent.click("button[data-transicion=presentar]")
    ent.wait_for_load_state()
    assert "Presentado" in ent.locator(".mensajes").inner_text()
    assert ent.locator("#estado-plan").get_attribute("data-estado") == "presentado"
    assert "Revisión del CGII" in ent.locator(".franja-plazos").inner_text()

    # The auditor logs in with the TOTP code and finds it in the review queue.
    aud = ingresar(navegador, base, "auditor.e2e", codigo=f"{totp(dispositivo.bin_key):06d}",
                   siguiente="/pisi/revision/")
    aud.on("response", lambda r: r.status >= 500 and errores.append(f"{r.status} {r.url}"))
    fila = aud.locator("table.cola-pisi tbody tr", has_text="MPP")
    assert fila.count() == 1
    assert "Presentado" in fila.inner_text() and "quedan 30 días hábiles" in fila.inner_text()
    fila.get_by_role("link", name="Iniciar revisión").click()
    aud.wait_for_load_state()
    assert aud.url.endswith(f"/pisi/{plan.pk}/revision/")
    assert aud.locator("button[data-transicion=iniciar_revision]").count() == 1
    assert "11.1.6" in aud.locator("#excluidos").inner_text()
    aud.click("summary[data-abrir=iniciar_revision]")
    aud.click("button[data-transicion=iniciar_revision]")
    aud.wait_for_load_state()
    assert aud.locator("#estado-plan").get_attribute("data-estado") == "en_revision"
    assert errores == []
