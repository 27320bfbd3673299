"""Refresh docs/screenshots/{consola-lote,consola-atajos,movil-consola-lote,
movil-consola-atajos}.png (issue 18): the console with a selection and the bulk bar (the
assign field lists each analyst's load), and the keyboard shortcut help, at desktop and
phone width.

Not a test (pytest does not collect it). Run it against a demo server on a fresh database,
with the same environment as the server (the script adds a few new reports through the
services):

    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    python tests/e2e/capturas_triaje.py [http://127.0.0.1:8077]
"""

from datetime import timedelta

import _capturas  # sets Django up first
from _capturas import BASE, CAPTURAS, ingresar, lanzar
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from cgii.entidades.models import Entidad, Usuario
from incidentes import services
from incidentes.models import Incidente

TITULOS = (
    "Correos que suplantan al SIGEP piden la contraseña del correo institucional",
    "Escaneo de puertos desde 198.51.100.23 contra el servidor de correo",
    "El portal muestra un mensaje ajeno en la página de inicio desde las 07:40",
    "Cuenta de Facebook institucional publica enlaces a un sorteo falso",
    "Equipos de contabilidad con archivos cifrados y nota de rescate",
)


def escena() -> None:
    if Incidente.objects.filter(titulo=TITULOS[0]).exists():
        return
    for k, titulo in enumerate(TITULOS):
        entidad = Entidad.objects.filter(activa=True).order_by("pk")[k % 3]
        reportante = Usuario.objects.filter(membresias__entidad=entidad).first()
        services.incidente_reportar(actor=reportante, entidad=entidad, titulo=titulo,
                                    descripcion=titulo + ".",
                                    detectado_en=timezone.now() - timedelta(minutes=20 + k))


def capturar(pagina, *, ancho: int, alto: int, prefijo: str) -> None:
    pagina.set_viewport_size({"width": ancho, "height": alto})
    pagina.goto(f"{BASE}/incidentes/consola/")
    teclado = pagina.keyboard
    teclado.press("j")
    for _ in range(3):
        teclado.press("x")
        teclado.press("j")
    teclado.press("k")
    teclado.press("b")
    pagina.select_option("[data-lote-accion]", "asignar")
    analista = pagina.locator("select[name=analista_id] option").nth(1).get_attribute("value")
    pagina.select_option("select[name=analista_id]", analista)  # its load shows in the option
    expect(pagina.locator("[data-lote-cuenta]")).to_have_text("3")
    if ancho < 700:  # the bar and the first rows, below the filters
        pagina.locator("[data-barra-lote]").evaluate("e => e.scrollIntoView()")
    else:
        pagina.evaluate("window.scrollTo(0, 0)")
    pagina.screenshot(path=str(CAPTURAS / f"{prefijo}consola-lote.png"), full_page=False)
    pagina.locator("tr.fila-cola").first.locator(".codigo-fila").focus()
    teclado.press("?")
    expect(pagina.locator("#atajos")).to_be_visible()
    pagina.screenshot(path=str(CAPTURAS / f"{prefijo}consola-atajos.png"), full_page=False)
    teclado.press("Escape")


def main() -> None:
    escena()
    with sync_playwright() as p:
        browser = lanzar(p)
        # One login (a TOTP code is accepted once), both widths.
        pagina = ingresar(browser, "coordinador", personal=True, ancho=1440, alto=900)
        capturar(pagina, ancho=1440, alto=900, prefijo="")
        capturar(pagina, ancho=390, alto=844, prefijo="movil-")
        browser.close()
    print("screenshots in", CAPTURAS)


if __name__ == "__main__":
    _capturas  # noqa: B018 (imported for its set-up)
    main()
