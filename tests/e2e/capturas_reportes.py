"""Refresh docs/screenshots/{tablero-cgii,tablero-entidad,reporte-*}.png and the first page of
each report's PDF (reporte-*-pdf.png).

Not a test (pytest does not collect it). Run it against a demo server, with the same
environment as the server (it reads the staff TOTP secrets from the database):

    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    python tests/e2e/capturas_reportes.py [http://127.0.0.1:8077]

Needs poppler-utils (pdftoppm) for the PDF pages.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import _capturas  # sets Django up first
from _capturas import BASE, CAPTURAS, lanzar
from django.utils import timezone
from playwright.sync_api import sync_playwright

from planes_seguridad.models import PlanInstitucional


def ingresar(browser, nombre: str, *, personal: bool):
    return _capturas.ingresar(browser, nombre, personal=personal, siguiente="/tablero/",
                              accept_downloads=True)


def captura(pagina, url: str, nombre: str, *, completa: bool = True) -> None:
    respuesta = pagina.goto(f"{BASE}{url}")
    print(f"  {url} → {respuesta.status}")
    pagina.wait_for_load_state("networkidle")
    pagina.screenshot(path=str(CAPTURAS / f"{nombre}.png"), full_page=completa)


def pdf(pagina, url: str, nombre: str) -> None:
    """Download the report's PDF and keep its first page as a PNG."""
    respuesta = pagina.request.get(f"{BASE}{url}")
    print(f"  {url} → {respuesta.status} {respuesta.headers.get('content-type')}")
    with tempfile.TemporaryDirectory() as tmp:
        archivo = Path(tmp) / "r.pdf"
        archivo.write_bytes(respuesta.body())
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(archivo),
                        str(Path(tmp) / "p")], check=True)
        for i, png in enumerate(sorted(Path(tmp).glob("p*.png")), start=1):
            (CAPTURAS / f"{nombre}-pdf-{i}.png").write_bytes(png.read_bytes())


def pdf_asincrono(pagina, url: str, nombre: str) -> None:
    """Ask for the PDF of a background report on its page, wait for the progress bar to
    offer the file, keep a screenshot of that state and the file's first pages."""
    pagina.goto(f"{BASE}{url}")
    pagina.click("form[data-generar] button")
    enlace = pagina.wait_for_selector("a[href*='/reportes/generados/'][href$='/descarga/']",
                                      timeout=120_000)
    pagina.screenshot(path=str(CAPTURAS / f"{nombre}-generado.png"))
    pdf(pagina, enlace.get_attribute("href"), nombre)


def main() -> int:
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    gestion = timezone.localdate().year
    hoy = timezone.localdate()
    plan = (PlanInstitucional.objects.filter(entidad__sigla="MEFP", periodos__estado="cerrado")
            .order_by("-gestion", "-version").first())
    with sync_playwright() as p:
        browser = lanzar(p)
        auditor = ingresar(browser, "auditor", personal=True)
        captura(auditor, "/tablero/", "tablero-cgii")
        captura(auditor, "/reportes/", "reportes-indice", completa=False)
        captura(auditor, f"/reportes/nacional/?gestion={plan.gestion}", "reporte-nacional")
        pdf_asincrono(auditor, f"/reportes/nacional/?gestion={plan.gestion}", "reporte-nacional")
        captura(auditor, f"/reportes/gestion-incidentes/?desde={gestion}-01-01&hasta={hoy}",
                "reporte-gestion-incidentes")
        pdf_asincrono(auditor, f"/reportes/gestion-incidentes/?desde={gestion}-01-01"
                               f"&hasta={hoy}", "reporte-gestion-incidentes")
        rsi = ingresar(browser, "rsi.mefp", personal=False)
        captura(rsi, "/tablero/", "tablero-entidad")
        captura(rsi, f"/reportes/cumplimiento-entidad/?plan={plan.pk}", "reporte-cumplimiento")
        pdf(rsi, f"/reportes/cumplimiento-entidad/descargar/pdf/?plan={plan.pk}",
            "reporte-cumplimiento")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
