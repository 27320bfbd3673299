"""Refresh docs/screenshots/indicadores_*.png (issue 6: indicators and STIX in the browser).

Not a test (pytest does not collect it). Run it against a demo server on a fresh database,
with the same environment as the server (the script sets the scene through the services
and runs the outbox dispatcher itself, so progress events reach the page's websocket):

    createdb cgii_capturas; export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cgii_capturas
    export REDIS_URL=redis://127.0.0.1:6379/9 CGII_STIX_ASINCRONO_DESDE=50
    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    python tests/e2e/capturas_indicadores.py [http://127.0.0.1:8077]

Screens: the incident's indicators panel after a bulk paste with bad lines (the per-line
report) and with the add forms open; "extract from the description"; a large import
queued, its bar moved by a real ``stix.importacion.progreso`` event over the websocket,
then finished (counts); a rejected bundle with its report; the national list.
"""

import sys
import tempfile
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import _capturas  # sets Django up first
import orjson
from _capturas import BASE, CAPTURAS, lanzar
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from cgii.entidades.models import Entidad, Usuario
from cgii.eventos.despachador import despachar_pendientes
from incidentes import services as incidentes_servicios
from incidentes.indicadores.models import ImportacionSTIX
from incidentes.indicadores.services import importacion as importacion_servicio
from incidentes.indicadores.services import stix_importar_procesar
from incidentes.indicadores.services.vinculos import indicadores_pegar
from incidentes.models import Incidente

CREADO = "2026-03-01T12:00:00.000Z"
errores: list[str] = []


def usuario(nombre: str) -> Usuario:
    return Usuario.objects.get(username=nombre)


def ingresar(browser, nombre: str, *, personal: bool, ancho=1440, alto=900):
    return _capturas.ingresar(browser, nombre, personal=personal, ancho=ancho, alto=alto,
                              errores=errores)


def indicador(patron: str, **extra) -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
            "created": CREADO, "modified": CREADO, "pattern": patron, "pattern_type": "stix",
            "valid_from": CREADO, "indicator_types": ["malicious-activity"], **extra}


def bundle(objetos: list[dict]) -> bytes:
    return orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                         "objects": objetos})


class Despachador:
    """Deliver outbox events every 0.1 s (what the Celery beat task does)."""

    def __init__(self):
        self.parar = threading.Event()
        self.hilo = threading.Thread(target=self.bucle, daemon=True)

    def bucle(self):
        try:
            while not self.parar.is_set():
                try:
                    despachar_pendientes()
                except Exception as exc:  # noqa: BLE001 - reported, the loop goes on
                    errores.append(f"despachador: {type(exc).__name__}: {exc}")
                self.parar.wait(0.1)
        finally:
            connection.close()

    def __enter__(self):
        self.hilo.start()
        return self

    def __exit__(self, *exc):
        self.parar.set()
        self.hilo.join(10)


def main() -> int:
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    analista = usuario("analista")
    phishing = Incidente.objects.filter(titulo__startswith="Correos de phishing").first()
    indicadores_pegar(actor=analista, incidente_id=phishing.pk, texto=(
        "sigep-gob-bo[.]com\nhxxps://sigep-gob-bo[.]com/login/validar\n185.220.101.47"))
    otro = Incidente.objects.exclude(pk=phishing.pk).first()
    indicadores_pegar(actor=analista, incidente_id=otro.pk, texto="185.220.101.47")
    correo = incidentes_servicios.incidente_reportar(
        actor=usuario("rsi.mefp"), entidad=Entidad.objects.get(sigla="MEFP"),
        titulo="Correo con enlace a un falso portal de pagos",
        descripcion=(
            "Tres funcionarios recibieron un correo de tesoreria(at)pagos-sigma-gob[.]com con "
            "un enlace a hxxps://pagos-sigma-gob[.]com/ingreso?ref=mefp. El adjunto "
            "(MD5 44d88612fea8a8f36de82e1278abb02f) conecta con 45.133.1.20 por el puerto "
            "443. El equipo usa como DNS 8.8.8.8."),
        detectado_en=timezone.now() - timedelta(hours=2))
    indicadores_pegar(actor=analista, incidente_id=correo.pk, texto="45.133.1.20")
    carpeta = Path(tempfile.mkdtemp())
    grande = carpeta / "feed-csirt-amigo.json"
    grande.write_bytes(bundle([indicador(f"[ipv4-addr:value = '45.{i // 250}.{i % 250}.7']")
                               for i in range(2000)]))
    malo = carpeta / "bundle-con-errores.json"
    malo.write_bytes(bundle([
        indicador("[domain-name:value = 'c2.malo.example']"),
        indicador("[ipv4-addr:value = '203.0.113.5'"),
        {"type": "indicator", "spec_version": "2.1", "id": "indicator--no-es-un-uuid",
         "created": CREADO, "modified": CREADO, "pattern": "[url:value = 'http://x.example/']",
         "pattern_type": "stix", "valid_from": CREADO},
        indicador("[ipv4-addr:value = '45.33.32.156']", confidence=300),
        {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
         "created": CREADO, "modified": CREADO},
    ]))

    while despachar_pendientes():   # the demo's backlog first: live events go out at once
        pass
    with sync_playwright() as p, Despachador():
        browser = lanzar(p)
        an = ingresar(browser, "analista", personal=True)

        # 1. The panel after a bulk paste with bad lines: the per-line report.
        an.goto(f"{BASE}/incidentes/{phishing.pk}/")
        an.click("details[data-clave=indicador-lote] > summary")
        an.fill("#ind-valores", "soporte(at)sigep-gob-bo[.]com\n45.133.1.20\nno-es-un-valor\n"
                                "hxxp://descarga-sigep[.]example/factura.exe\n300.1.2.3")
        an.select_option("#ind-lote-rol", "distribucion")
        an.click("details[data-clave=indicador-lote] button[type=submit]")
        an.wait_for_load_state()
        expect(an.locator("#resultado-indicadores")).to_be_visible()
        an.click("details[data-clave=indicador-uno] > summary")
        an.click("details[data-clave=indicador-lote] > summary")
        an.fill("#ind-valor", "hxxps://sigep-gob-bo[.]com/recuperar")
        an.evaluate("window.scrollTo(0, 0)")   # boxes relative to the page, for the clip
        arriba = an.locator("#resultado-indicadores").bounding_box()
        abajo = an.locator("[data-panel=indicadores]").bounding_box()
        an.screenshot(path=CAPTURAS / "indicadores_panel.png", full_page=True, clip={
            "x": arriba["x"] - 12, "y": arriba["y"] - 12, "width": arriba["width"] + 24,
            "height": abajo["y"] + abajo["height"] - arriba["y"] + 24})
        print("indicadores_panel.png")

        # 2. Extract from the description.
        an.goto(f"{BASE}/indicadores/incidentes/{correo.pk}/extraer/")
        an.screenshot(path=CAPTURAS / "indicadores_extraer.png", full_page=True)
        print("indicadores_extraer.png")

        # 3. A large import: queued, progress over the websocket, then done.
        an.goto(f"{BASE}/indicadores/importar/")
        an.set_input_files("#id_archivo", str(grande))
        an.select_option("#id_tlp", "green")
        an.click("form.formulario-importar button[type=submit]")
        an.wait_for_load_state()
        importacion = ImportacionSTIX.objects.latest("pk")
        assert importacion.estado == "pendiente", importacion.estado
        expect(an.locator("[data-indicador-vivo], body")).to_be_visible()
        an.wait_for_timeout(1500)   # the general stream connects
        with transaction.atomic():
            # What the task reports part-way (same function): the page's bar moves.
            importacion.estado = "procesando"
            importacion.save(update_fields=["estado"])
            importacion_servicio._avance(importacion, 62, procesados=1240, emitir=True)
        try:
            expect(an.locator("[data-barra]")).to_have_attribute("value", "62", timeout=15000)
        finally:
            print(*dict.fromkeys(errores), sep="\n")
        an.screenshot(path=CAPTURAS / "indicadores_importacion_progreso.png")
        print("indicadores_importacion_progreso.png")
        stix_importar_procesar(importacion.pk)
        expect(an.locator(".cifras")).to_be_visible(timeout=10000)   # reloaded when done
        an.screenshot(path=CAPTURAS / "indicadores_importacion.png", full_page=True)
        print("indicadores_importacion.png")

        # 4. A bundle with errors: nothing imported, every bad object listed.
        an.goto(f"{BASE}/indicadores/importar/?incidente={phishing.codigo}")
        an.set_input_files("#id_archivo", str(malo))
        an.click("form.formulario-importar button[type=submit]")
        an.wait_for_load_state()
        expect(an.locator(".tabla-errores-stix")).to_be_visible()
        an.screenshot(path=CAPTURAS / "indicadores_importacion_rechazada.png", full_page=True)
        print("indicadores_importacion_rechazada.png")

        # 5. The national list with correlation, and the feed form.
        an.goto(f"{BASE}/indicadores/?q=sigep")
        an.screenshot(path=CAPTURAS / "indicadores_lista.png", full_page=True)
        print("indicadores_lista.png")
        browser.close()
    for e in dict.fromkeys(errores):
        print(" ", e)
    return 1 if errores else 0


if __name__ == "__main__":
    sys.exit(main())
