"""Refresh the screenshots of issue 23: docs/screenshots/pisi-riesgos.png (risk register with
its heat maps), pisi-revision-rondas.png (the review screen: checklist, per-control
observations and the diff since the last round), pisi-importacion-errores.png (the per-row
report of a refused XLSX import) and pisi-resumen-pdf-riesgos[-N].png (the summary PDF's
new pages: inventory, heat maps, register, review).

Not a test (pytest does not collect it). Run it against a demo server, with the same
environment as the server (it reads the staff TOTP secrets and the plans from the database):

    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    python tests/e2e/capturas_pisi_riesgos.py [http://127.0.0.1:8077]

Needs poppler-utils (pdftoppm) for the PDF pages.
"""

import subprocess
import tempfile
from pathlib import Path

import _capturas  # sets Django up first
from _capturas import BASE, CAPTURAS, lanzar
from playwright.sync_api import sync_playwright

from planes_seguridad import exportacion, xlsx_plan
from planes_seguridad.models import PlanInstitucional


def _plan(sigla: str) -> PlanInstitucional:
    return PlanInstitucional.objects.filter(entidad__sigla=sigla).order_by("-version").first()


def captura(pagina, url: str, nombre: str, *, selector: str | None = None) -> None:
    respuesta = pagina.goto(f"{BASE}{url}")
    print(f"  {url} → {respuesta.status}")
    pagina.wait_for_load_state("networkidle")
    if selector:
        pagina.locator(selector).scroll_into_view_if_needed()
    pagina.screenshot(path=str(CAPTURAS / f"{nombre}.png"), full_page=True)


def libro_con_errores(plan) -> bytes:
    """ENDE's own export with the mistakes people make: an unknown threat, a residual risk
    without treatment, a value out of range, an exclusion without justification, an unknown
    control, dates the wrong way round."""
    filas = exportacion.filas_del_plan(plan)
    filas["Activos"].append({"codigo": "A-07", "nombre": "Sistema SCADA", "tipo": "software",
                             "propietario": "Gerencia de Operaciones",
                             "clasificacion": "reservada", "valor_c": 4, "valor_i": 5,
                             "valor_d": 7})
    filas["Riesgos"] += [
        {"codigo": "R-06", "activo": "A-01", "amenaza": "A.99", "probabilidad": 3,
         "impacto": 4},
        {"codigo": "R-07", "activo": "A-02", "amenaza": "A.11", "probabilidad": 4,
         "impacto": 5, "probabilidad_residual": 2, "impacto_residual": 3}]
    filas["Aplicabilidad"] = [{"control": "13.1.3", "aplica": False, "justificacion": ""},
                              {"control": "19.1.1", "aplica": True, "justificacion": "x"}]
    filas["Cronograma"].append({"ref": "N1", "titulo": "Segmentar la red SCADA",
                                "inicio_planificado": "2026-09-01",
                                "fin_planificado": "2026-03-01"})
    return xlsx_plan.escribir(filas)


def pdf_nuevas_paginas(pagina, url: str) -> None:
    respuesta = pagina.request.get(f"{BASE}{url}")
    print(f"  {url} → {respuesta.status} {respuesta.headers.get('content-type')}")
    with tempfile.TemporaryDirectory() as tmp:
        archivo = Path(tmp) / "r.pdf"
        archivo.write_bytes(respuesta.body())
        paginas = int(next(linea.split()[-1] for linea in subprocess.run(
            ["pdfinfo", str(archivo)], check=True, capture_output=True, text=True)
            .stdout.splitlines() if linea.startswith("Pages:")))
        # The pages issue 23 added follow the first two (data, SoA, schedule, evidence).
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "3", "-l", str(paginas),
                        str(archivo), str(Path(tmp) / "p")], check=True)
        paginas_png = sorted(Path(tmp).glob("p*.png"))
        for i, png in enumerate(paginas_png, start=1):
            sufijo = "" if len(paginas_png) == 1 else f"-{i}"
            (CAPTURAS / f"pisi-resumen-pdf-riesgos{sufijo}.png").write_bytes(png.read_bytes())


def main() -> None:
    mefp, gamlp, ende = _plan("MEFP"), _plan("GAMLP"), _plan("ENDE")
    with sync_playwright() as p:
        browser = lanzar(p)
        rsi = _capturas.ingresar(browser, "rsi.mefp", personal=False)
        captura(rsi, f"/pisi/{mefp.pk}/riesgos/", "pisi-riesgos")
        pdf_nuevas_paginas(rsi, f"/pisi/{mefp.pk}/resumen.pdf")
        auditor = _capturas.ingresar(browser, "auditor", personal=True)
        captura(auditor, f"/pisi/{gamlp.pk}/revision/", "pisi-revision-rondas")
        ende_rsi = _capturas.ingresar(browser, "rsi.ende", personal=False)
        ende_rsi.goto(f"{BASE}/pisi/{ende.pk}/importar/")
        with tempfile.TemporaryDirectory() as tmp:
            archivo = Path(tmp) / "PISI-ENDE-corregido.xlsx"
            archivo.write_bytes(libro_con_errores(ende))
            ende_rsi.set_input_files("#archivo-importar", str(archivo))
            ende_rsi.click("#boton-importar")
        ende_rsi.wait_for_selector("#informe-importacion")
        ende_rsi.screenshot(path=str(CAPTURAS / "pisi-importacion-errores.png"), full_page=True)
        print(f"  /pisi/{ende.pk}/importar/ → informe")
        browser.close()


if __name__ == "__main__":
    main()
