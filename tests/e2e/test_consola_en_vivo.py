"""Browser tests of the live console and portal (issue 5): Playwright + Debian Chromium, two
browser contexts (an entity user and a CGII analyst logged in with TOTP), a real daphne
serving the ASGI app with websockets on the test PostgreSQL database and the Redis channel
layer (fixture ``servidor_asgi`` in conftest.py).

Events are delivered by the outbox dispatcher: with REDIS_URL set nothing dispatches them by
itself in tests (no Celery worker), so the ``despachador`` fixture runs
``cgii.eventos.despachador.despachar_pendientes()`` in a background thread of the test
process every 0.1 s — the function the Celery task runs in production.

Pages are never reloaded during a check: each test sets ``window.__sin_recarga`` and asserts
it is still there at the end.
"""

import re
import time

import pytest

from tests.e2e.conftest import (
    CLAVE,
    MENSAJE_SIN_CONEXION,
    analista_con_totp,
    codigo_totp,
    escenario_flujo,
    escenario_reconexion,
    ingresar,
    mientras_sin_conexion,
)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.e2e


def _marcar_sin_recarga(pagina):
    pagina.evaluate("window.__sin_recarga = true")


def _sin_recarga(pagina) -> bool:
    return pagina.evaluate("window.__sin_recarga === true")


def _en_vivo(pagina, timeout=10_000):
    expect(pagina.locator("[data-indicador-vivo][data-estado=conectado]")).to_be_visible(
        timeout=timeout)


def test_reporte_aparece_en_la_consola_y_la_entidad_ve_el_avance_en_vivo(
        servidor_asgi, despachador, navegador, tmp_path):
    from incidentes.models import Incidente
    from tests.incidentes.utiles import triar

    base = servidor_asgi.url
    analista, dispositivo = escenario_flujo("vivo", "MPV", "Ministerio de Pruebas en Vivo")

    # The analyst's home is the live console.
    an = ingresar(navegador, base, "analista.vivo", codigo=codigo_totp(dispositivo),
                  ancho=1920, alto=1080)
    expect(an.locator("h1")).to_have_text("Consola de incidentes")
    _en_vivo(an)
    _marcar_sin_recarga(an)

    # The entity reports through the form (XMLHttpRequest upload with progress).
    evidencia = tmp_path / "correo.eml"
    evidencia.write_text("From: soporte@falso.example\nSubject: Valide su cuenta\n\nhola\n")
    ent = ingresar(navegador, base, "reportante.vivo")
    expect(ent.locator("h1")).to_contain_text("Portal de incidentes")
    ent.click("text=Reportar incidente")
    ent.fill("#id_titulo", "Correos falsos que piden la contraseña")
    ent.fill("#id_descripcion", "Varios funcionarios recibieron un correo que suplanta a soporte.")
    ent.set_input_files("#id_evidencias", str(evidencia))
    ent.click("[data-enviar]")
    ent.wait_for_url(re.compile(r"/incidentes/\d+/$"))
    enviado = time.monotonic()  # the 201 came back: the report is committed
    incidente = Incidente.objects.get()
    assert incidente.codigo in ent.locator(".mensajes").inner_text()

    # Within 2 s it is on the analyst's console, highlighted as new, without a reload.
    fila = an.locator(f"#fila-{incidente.pk}")
    expect(fila).to_be_visible(timeout=2_000)
    demora = time.monotonic() - enviado
    print(f"report → console row: {demora:.2f} s")  # shown with pytest -s
    assert demora < 2, demora
    expect(fila).to_have_class(re.compile(r"\bnueva\b"))
    assert "MPV" in fila.inner_text() and "sin asignar" in fila.inner_text()
    expect(an.locator("[data-contador=total]")).to_have_text("1")
    expect(fila.locator("[data-cuenta]")).to_have_text(re.compile(r"^\d+ min \d\d s$|\d+ h"))
    assert _sin_recarga(an)

    # The entity stays on its incident page.
    _en_vivo(ent)
    _marcar_sin_recarga(ent)
    expect(ent.locator("#estado-actual")).to_have_attribute("data-estado", "reportado")

    # Set-up through the services: triage, classification, triage steps done. The entity's
    # page follows (a transition event re-renders its panels).
    triar(incidente, analista, nota_interna="Nota interna: dominio registrado ayer.")
    expect(ent.locator("#estado-actual")).to_have_attribute("data-estado", "en_triaje",
                                                            timeout=5_000)

    # The analyst takes it from the console in one click, opens it, moves it to analysis
    # and writes a message shared with the entity.
    fila.locator("button[data-accion=tomar]").click()
    expect(fila.locator(".nombre-analista")).to_contain_text("Daniel Apaza", timeout=5_000)
    fila.locator(".codigo-fila").click()
    an.wait_for_url(f"**/incidentes/{incidente.pk}/")
    an.click("summary[data-abrir=iniciar_analisis]")
    an.click("button[data-transicion=iniciar_analisis]")
    an.wait_for_load_state()
    expect(an.locator("#estado-actual")).to_have_attribute("data-estado", "en_analisis")
    an.fill("#texto", "Confirmamos el phishing. Por favor no abran el enlace.")
    an.check("input[name=compartido][value='1']")
    an.click("form.mensaje button[type=submit]")
    an.wait_for_load_state()

    # The entity's open page shows the new state and the message, without a reload.
    expect(ent.locator("#estado-actual")).to_have_attribute("data-estado", "en_analisis",
                                                            timeout=5_000)
    expect(ent.locator(".barra-estados li.actual")).to_have_text("En análisis")
    mensaje = ent.locator("#timeline .entrada.tipo-mensaje",
                          has_text="Confirmamos el phishing. Por favor no abran el enlace.")
    expect(mensaje).to_be_visible(timeout=5_000)
    assert "CGII" in mensaje.inner_text()
    assert "Nota interna" not in ent.locator("#timeline").inner_text()
    assert _sin_recarga(ent)
    # The state change and the message reached the entity's bell as well; opening it lists
    # them, and "mark all as read" clears the count.
    contador = ent.locator("[data-contador-campana]")
    expect(contador).to_be_visible(timeout=5_000)
    # The message's notice is folded into the state change's row (a burst) when its sink
    # gets to it, which re-opens that row as unread: wait until every sink is done, so
    # "mark all" is not overtaken by a late update (it flaked at load 8).
    _esperar_sumideros()
    ent.wait_for_timeout(500)  # the last bell update's push reaches the page
    ent.click("#boton-campana")
    expect(ent.locator("#panel-notificaciones li.no-leida").first).to_be_visible()
    assert incidente.codigo in ent.locator("#panel-notificaciones").inner_text()
    ent.click("[data-marcar-todas]")
    expect(contador).to_be_hidden()
    expect(ent.locator("#panel-notificaciones li.no-leida")).to_have_count(0)
    ent.keyboard.press("Escape")
    expect(ent.locator("#panel-notificaciones")).to_be_hidden()
    assert not an.errores_js and not ent.errores_js, (an.errores_js, ent.errores_js)


def test_aviso_de_reconexion_y_eventos_perdidos_al_volver(servidor_asgi, despachador,
                                                          navegador):
    """The server goes away: the page shows the "reconectando…" banner; what happened
    meanwhile arrives, in order, once it reconnects (resume with ?desde=)."""
    incidente, analista = escenario_reconexion("rc", "MRC")

    ent = ingresar(navegador, servidor_asgi.url, "reportante.rc",
                   siguiente=f"/incidentes/{incidente.pk}/")
    _en_vivo(ent)
    _marcar_sin_recarga(ent)
    banner = ent.locator("#estado-conexion")
    expect(banner).to_be_hidden()

    servidor_asgi.detener()
    expect(banner).to_be_visible(timeout=5_000)
    expect(banner).to_contain_text("Reconectando")
    expect(ent.locator("[data-indicador-vivo]")).to_have_attribute("data-estado", "caido")

    mientras_sin_conexion(incidente, analista)

    servidor_asgi.iniciar()
    expect(banner).to_be_hidden(timeout=30_000)
    expect(ent.locator("#timeline")).to_contain_text(MENSAJE_SIN_CONEXION, timeout=5_000)
    expect(ent.locator("#estado-actual")).to_have_attribute("data-estado", "en_triaje",
                                                            timeout=5_000)
    assert _sin_recarga(ent)
    # In stream order, each once.
    textos = ent.locator("#timeline .entrada .texto").all_inner_texts()
    assert textos.count("Mensaje enviado mientras usted estaba sin conexión.") == 1
    assert textos.index("Reportado → En triaje") < textos.index(
        "Mensaje enviado mientras usted estaba sin conexión.")
    assert not ent.errores_js, ent.errores_js


def test_el_texto_a_medio_escribir_sobrevive_a_la_actualizacion_en_vivo(
        servidor_asgi, despachador, navegador):
    """A panel re-rendered by an event keeps what the user was typing in it."""
    from incidentes import services
    from tests.factories import crear_entidad, crear_usuario
    from tests.incidentes.utiles import reportar

    entidad = crear_entidad(nombre="Ministerio del Borrador", sigla="MBR")
    reportante = crear_usuario(username="reportante.borrador", entidad=entidad,
                               rol_entidad="reportante", password=CLAVE)
    analista, dispositivo = analista_con_totp("analista.borrador")
    incidente = reportar(reportante, entidad, titulo="Servidor lento")

    an = ingresar(navegador, servidor_asgi.url, "analista.borrador", codigo=codigo_totp(dispositivo),
                  siguiente=f"/incidentes/{incidente.pk}/")
    _en_vivo(an)
    _marcar_sin_recarga(an)
    an.click("summary[data-abrir=rechazar]")
    an.fill("#motivo-rechazar", "No es un incidente: mantenimiento progra")
    an.focus("#motivo-rechazar")
    # A colleague assigns it and starts triage: the assignment and actions panels (where
    # the half-written reason is) are re-rendered from the server.
    services.incidente_asignar(actor=analista, incidente_id=incidente.pk,
                               analista_id=analista.pk)
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    expect(an.locator("#asignacion")).to_contain_text("Daniel Apaza", timeout=5_000)
    expect(an.locator("button[data-transicion=iniciar_triaje]")).to_have_count(0)
    expect(an.locator("[data-bloqueada=iniciar_analisis]")).to_be_visible()
    expect(an.locator("#motivo-rechazar")).to_have_value("No es un incidente: mantenimiento progra")
    assert an.evaluate("document.activeElement.id") == "motivo-rechazar"
    assert an.locator("details:has(summary[data-abrir=rechazar])").get_attribute("open") is not None
    assert _sin_recarga(an)
    assert not an.errores_js, an.errores_js


def test_la_consola_en_vivo_respeta_el_filtro_activo(servidor_asgi, despachador, navegador):
    """With "Míos" active a new report stays out of the queue; once assigned to the analyst
    it comes in; the counters follow every change."""
    from incidentes import services
    from tests.factories import crear_entidad, crear_usuario
    from tests.incidentes.utiles import reportar

    entidad = crear_entidad(nombre="Ministerio del Filtro", sigla="MFL")
    reportante = crear_usuario(username="reportante.filtro", entidad=entidad,
                               rol_entidad="reportante", password=CLAVE)
    analista, dispositivo = analista_con_totp("analista.filtro")
    an = ingresar(navegador, servidor_asgi.url, "analista.filtro", codigo=codigo_totp(dispositivo),
                  siguiente="/incidentes/consola/?mios=1", ancho=1920, alto=1080)
    _en_vivo(an)
    _marcar_sin_recarga(an)
    expect(an.locator("[data-vacio]")).to_be_visible()

    incidente = reportar(reportante, entidad, titulo="Fuera del filtro por ahora")
    expect(an.locator("[data-contador=sin_asignar]")).to_have_text("1", timeout=3_000)
    assert an.locator(f"#fila-{incidente.pk}").count() == 0, "not mine: not in this queue"

    services.incidente_asignar(actor=analista, incidente_id=incidente.pk,
                               analista_id=analista.pk)
    expect(an.locator(f"#fila-{incidente.pk}")).to_be_visible(timeout=3_000)
    expect(an.locator("[data-contador=mios]")).to_have_text("1")
    expect(an.locator("[data-contador=sin_asignar]")).to_have_text("0")
    expect(an.locator("[data-vacio]")).to_be_hidden()

    coordinador = crear_usuario(username="coordinador.filtro", rol_cgii="coordinador")
    services.incidente_asignar(actor=coordinador, incidente_id=incidente.pk, analista_id=None)
    expect(an.locator(f"#fila-{incidente.pk}")).to_have_count(0, timeout=3_000)
    assert _sin_recarga(an)
    assert not an.errores_js, an.errores_js


def _esperar_sumideros(limite: float = 15) -> None:
    from cgii.eventos.models import EntregaSumidero, Evento

    fin = time.monotonic() + limite
    while (Evento.objects.filter(entregado_en__isnull=True).exists()
           or EntregaSumidero.objects.exists()):
        assert time.monotonic() < fin, "the outbox and its sinks did not drain"
        time.sleep(0.1)
