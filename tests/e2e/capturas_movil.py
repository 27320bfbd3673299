"""Refresh docs/screenshots/movil-*.png: the entity's main jobs and the console at phone
width (390×844), and the incident page in the dark theme.

Not a test (pytest does not collect it). Run it against a demo server (make run, or daphne on
a database with cargar_catalogos + cargar_demo), with the same DATABASE_URL (the script
reads the demo's TOTP secrets):

    python tests/e2e/capturas_movil.py [http://127.0.0.1:8000]
"""

import _capturas  # noqa: F401 - sets Django up first
from _capturas import BASE, CAPTURAS, ingresar, lanzar
from playwright.sync_api import sync_playwright

from incidentes.models import Incidente
from planes_seguridad.models import PlanInstitucional

MOVIL = {"ancho": 390, "alto": 844}


def foto(pagina, ruta: str, nombre: str, *, antes=None) -> None:
    pagina.goto(f"{BASE}{ruta}")
    pagina.wait_for_load_state("networkidle")
    if antes:
        antes(pagina)
    pagina.wait_for_timeout(400)
    pagina.screenshot(path=CAPTURAS / f"movil-{nombre}.png")
    print(f"  movil-{nombre}.png ← {ruta}")


def principal() -> None:
    incidente = Incidente.objects.filter(entidad__sigla="MEFP").order_by("pk").first()
    plan = PlanInstitucional.objects.filter(entidad__sigla="MEFP").order_by("-version").first()
    with sync_playwright() as p:
        navegador = lanzar(p)
        entidad = ingresar(navegador, "reportante.mefp", personal=False, **MOVIL)
        foto(entidad, "/incidentes/nuevo/", "reporte")
        foto(entidad, "/incidentes/portal/", "portal")
        foto(entidad, f"/incidentes/{incidente.pk}/", "incidente")
        foto(entidad, f"/incidentes/{incidente.pk}/", "menu",
             antes=lambda pg: pg.click("#boton-menu"))
        entidad.context.close()
        rsi = ingresar(navegador, "rsi.mefp", personal=False, **MOVIL)
        foto(rsi, f"/pisi/{plan.pk}/", "pisi")
        foto(rsi, f"/pisi/{plan.pk}/cronograma/", "pisi-cronograma")
        rsi.context.close()
        oscuro = ingresar(navegador, "reportante.mefp", personal=False, color_scheme="dark",
                          **MOVIL)
        foto(oscuro, f"/incidentes/{incidente.pk}/", "incidente-oscuro")
        oscuro.context.close()
        analista = ingresar(navegador, "analista", personal=True, **MOVIL)
        foto(analista, "/incidentes/consola/", "consola",
             antes=lambda pg: pg.evaluate("document.getElementById('cola').scrollIntoView()"))
        analista.context.close()
        navegador.close()


if __name__ == "__main__":
    principal()
