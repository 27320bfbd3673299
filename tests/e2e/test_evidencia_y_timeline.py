"""Issue 18 (part C) in Chromium against a real daphne: the evidence viewer (image, PDF
pages as PNG, .eml), the timeline filters working without a reload, and the report form
with a category and indicator rows. With ``CGII_CAPTURAS=1`` the screenshots go to
docs/screenshots/ (desktop and phone width)."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from incidentes import services
from incidentes.indicadores.models import IndicadorIncidente
from incidentes.models import Incidente
from tests.e2e.conftest import codigo_totp, escenario_flujo, ingresar
from tests.incidentes.utiles import reportar, triar
from tests.indicadores.test_extraccion_evidencias import EML

pytestmark = pytest.mark.e2e
CAPTURAS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MOVIL = {"width": 390, "height": 844}


def _destino(tmp_path) -> Path:
    return CAPTURAS if os.environ.get("CGII_CAPTURAS") else tmp_path


def _captura_de_pantalla() -> bytes:
    """A phishing page as a reporter would capture it."""
    imagen = Image.new("RGB", (900, 520), (245, 247, 250))
    d = ImageDraw.Draw(imagen)
    d.rectangle((0, 0, 900, 60), fill=(11, 79, 138))
    d.text((20, 22), "SIGEP - Sistema de Gestion Publica (FALSO)", fill=(255, 255, 255))
    d.text((20, 80), "https://login-sigep.malo.example/x", fill=(180, 30, 30))
    d.rectangle((300, 160, 600, 420), outline=(150, 150, 150), fill=(255, 255, 255))
    d.text((320, 180), "Ingrese su usuario y contrasena", fill=(30, 30, 30))
    for y in (220, 280):
        d.rectangle((320, y, 580, y + 36), outline=(120, 120, 120))
    d.rectangle((320, 350, 580, 390), fill=(11, 79, 138))
    d.text((410, 362), "Ingresar", fill=(255, 255, 255))
    b = io.BytesIO()
    imagen.save(b, "PNG")
    return b.getvalue()


def _pdf() -> bytes:
    import weasyprint

    html = """<h1>Informe preliminar: campaña de phishing</h1>
    <p>Entre las 08:40 y las 09:15 llegaron 37 correos a funcionarios del área financiera con
    un enlace a <code>https://login-sigep.malo.example/x</code>.</p>
    <table border="1" cellpadding="4"><tr><th>Hora</th><th>Destinatarios</th></tr>
    <tr><td>08:40</td><td>12</td></tr><tr><td>08:55</td><td>25</td></tr></table>
    <p style="page-break-before:always"><b>Anexo:</b> cabeceras del correo y capturas.</p>"""
    return weasyprint.HTML(string=html).write_pdf()


def _sin_violaciones_graves(pagina) -> None:
    """axe-core (the walk's pinned copy, run in the page): no critical or serious issue."""
    from tests.e2e.recorrido import CORRER_AXE, script_axe

    pagina.evaluate(script_axe())
    graves = [v for v in pagina.evaluate(CORRER_AXE)
              if v["impacto"] in ("critical", "serious")]
    assert not graves, graves


def _sin_desborde(pagina) -> None:
    ancho = pagina.evaluate("() => [document.documentElement.scrollWidth, "
                            "document.documentElement.clientWidth]")
    assert ancho[0] <= ancho[1], ancho


def test_vista_previa_y_filtros_de_la_linea_de_tiempo(servidor_asgi, navegador, tmp_path):
    destino = _destino(tmp_path)
    analista, dispositivo = escenario_flujo("evid", "MEV", "Ministerio de Evidencias")
    from cgii.entidades.models import Entidad, Usuario

    reportante = Usuario.objects.get(username="reportante.evid")
    entidad = Entidad.objects.get(sigla="MEV")
    incidente = reportar(reportante, entidad, titulo="Correos falsos que suplantan al SIGEP",
                         descripcion="Varios funcionarios recibieron un correo con enlace a "
                                     "hxxps://login-sigep[.]malo[.]example/x")
    triar(incidente, analista, nota_interna="Campaña ya vista en otra entidad el lunes.")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, compartido=True,
                                texto="¿Alguien ingresó sus credenciales en el enlace?")
    subir = [("captura-sigep-falso.png", _captura_de_pantalla()), ("informe.pdf", _pdf()),
             ("correo-sospechoso.eml", EML)]
    ev = {n: services.evidencia_subir(actor=reportante, incidente_id=incidente.pk,
                                      archivo=SimpleUploadedFile(n, c)) for n, c in subir}

    an = ingresar(navegador, servidor_asgi.url, "analista.evid",
                  codigo=codigo_totp(dispositivo), siguiente=f"/incidentes/{incidente.pk}/")
    entradas = an.locator("#timeline li.entrada")
    total = entradas.count()
    assert total >= 6
    an.evaluate("() => { window.sinRecargar = true; }")
    expect(an.locator("[data-filtros-timeline] [data-sin-js]")).to_be_hidden()
    an.check("[data-filtros-timeline] input[value=mensajes]")
    expect(an.locator("#timeline li.entrada.tipo-transicion").first).to_be_hidden()
    expect(an.locator("#timeline li.entrada.tipo-comentario").first).to_be_visible()
    assert "ver=mensajes" in an.url
    an.select_option("[data-filtros-timeline] select[name=visibilidad]", "interna")
    visibles = an.locator("#timeline li.entrada:visible")
    expect(visibles).to_have_count(1)
    assert "Campaña ya vista" in visibles.first.inner_text()
    assert an.evaluate("() => window.sinRecargar === true")  # no reload happened
    an.locator("#linea-de-tiempo").screenshot(path=str(destino / "timeline_filtrada.png"))
    _sin_violaciones_graves(an)
    # The URL reflects the filter: opened again (or without JS) it shows the same.
    an.reload()
    expect(an.locator("#timeline li.entrada:visible")).to_have_count(1)
    an.set_viewport_size(MOVIL)
    _sin_desborde(an)
    an.locator("#linea-de-tiempo").screenshot(path=str(destino / "timeline_filtrada_movil.png"))
    an.click("[data-quitar-filtros]")
    expect(an.locator("#timeline li.entrada:visible")).to_have_count(total)
    an.set_viewport_size({"width": 1440, "height": 900})

    # Evidence viewer: image, PDF pages, e-mail; desktop and phone.
    for nombre, clave in (("captura-sigep-falso.png", "imagen"), ("informe.pdf", "pdf"),
                          ("correo-sospechoso.eml", "eml")):
        an.goto(f"{servidor_asgi.url}/incidentes/{incidente.pk}/evidencias/"
                f"{ev[nombre].pk}/vista/")
        assert an.locator(f".visor-evidencia[data-clase={clave}]").count() == 1
        for img in an.locator(".visor-evidencia img").all():
            img.scroll_into_view_if_needed()
            an.wait_for_function("(i) => i.complete && i.naturalWidth > 0",
                                 arg=img.element_handle(), timeout=15_000)
        an.screenshot(path=str(destino / f"evidencia_{clave}.png"), full_page=True)
        _sin_violaciones_graves(an)
        an.set_viewport_size(MOVIL)
        _sin_desborde(an)
        an.evaluate("() => window.scrollTo(0, 0)")
        an.screenshot(path=str(destino / f"evidencia_{clave}_movil.png"))
        an.set_viewport_size({"width": 1440, "height": 900})
    assert an.locator(".previa-cabeceras").inner_text().count("Received") >= 2
    assert not an.errores_js, an.errores_js


def test_formulario_de_reporte_con_categoria_e_indicadores(servidor_asgi, navegador, tmp_path):
    destino = _destino(tmp_path)
    escenario_flujo("forma", "MFR", "Ministerio del Formulario")
    p = ingresar(navegador, servidor_asgi.url, "reportante.forma", siguiente="/incidentes/nuevo/")
    p.fill("#id_titulo", "Correos falsos que suplantan al SIGEP")
    p.fill("#id_descripcion", "Llegaron correos con un enlace a un SIGEP falso.")
    p.select_option("#id_categoria", "phishing")
    p.click("[data-otra-fila]")
    expect(p.locator("[data-fila]")).to_have_count(4)
    filas = p.locator("[data-fila]")
    filas.nth(0).locator("select").select_option("url")
    filas.nth(0).locator("input").fill("hxxps://login-sigep[.]malo[.]example/x")
    filas.nth(1).locator("input").fill("999.10.1.1")
    filas.nth(2).locator("select").select_option("email-addr")
    filas.nth(2).locator("input").fill("soporte@sigep-falso.example")
    p.click("button[data-enviar]")
    error = p.locator(".campo-indicadores .errorlist")
    expect(error).to_contain_text("Fila 2")
    assert not Incidente.objects.exists()
    p.locator(".campo-indicadores").scroll_into_view_if_needed()
    p.screenshot(path=str(destino / "reporte_indicadores_error.png"), full_page=True)
    _sin_violaciones_graves(p)
    p.set_viewport_size(MOVIL)
    _sin_desborde(p)
    p.locator("#id_categoria").scroll_into_view_if_needed()
    p.screenshot(path=str(destino / "reporte_categoria_movil.png"))
    filas.nth(1).locator("input").fill("45.33.32.156")
    p.click("button[data-enviar]")
    p.wait_for_url(re.compile(r"/incidentes/\d+/$"))
    incidente = Incidente.objects.get()
    assert set(IndicadorIncidente.objects.filter(incidente=incidente).values_list(
        "indicador__valor", flat=True)) == {"https://login-sigep.malo.example/x",
                                            "45.33.32.156", "soporte@sigep-falso.example"}
    assert not p.errores_js, p.errores_js
