"""Refresh docs/screenshots/duplicado-*.png, fusion-*.png and mis-tareas-*.png (issue 18).

Not a test (pytest does not collect it). Run it against a demo server on a fresh database,
with the same environment as the server (the script sets the scene through the services):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cgii_capturas
    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    python tests/e2e/capturas_duplicados.py [http://127.0.0.1:8077]

The scene: the demo entity MEFP reports the same phishing twice a few minutes apart (the
second gets the «posible duplicado» card and the console badge); a third report, with a
message, evidence and an indicator, is merged into the first; tasks for the analyst and one
shared with the entity.
"""

import sys
import time
from datetime import timedelta

import _capturas  # noqa: F401  (sets Django up first)
from _capturas import BASE, CAPTURAS, ingresar, lanzar
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import sync_playwright

from cgii.entidades.models import Entidad, Usuario
from incidentes import services
from incidentes.indicadores.services.vinculos import indicador_agregar
from incidentes.services import tareas

MOVIL = {"ancho": 390, "alto": 844, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def usuario(nombre: str) -> Usuario:
    return Usuario.objects.get(username=nombre)


def escena() -> dict:
    analista, reportante = usuario("analista"), usuario("reportante.mefp")
    mefp = Entidad.objects.get(sigla="MEFP")
    detectado = timezone.now() - timedelta(minutes=20)
    datos = {"titulo": "Correo falso del SIGEP pide cambiar la contraseña",
             "descripcion": "Varios funcionarios recibieron un correo que imita al SIGEP con "
                            "un enlace a login-sigep.malo.example para «actualizar» la "
                            "contraseña.", "detectado_en": detectado}
    maestro = services.incidente_reportar(actor=reportante, entidad=mefp, **datos)
    sugerido = services.incidente_reportar(
        actor=usuario("rsi.mefp"), entidad=mefp, detectado_en=detectado,
        titulo="Correo falso del SIGEP: cambiar contraseña",
        descripcion="Nos llegan correos que imitan al SIGEP con un enlace a "
                    "login-sigep.malo.example pidiendo la contraseña.")
    tercero = services.incidente_reportar(actor=reportante, entidad=mefp, **datos)
    services.incidente_comentar(actor=reportante, incidente_id=tercero.pk,
                                texto="Adjuntamos la captura del correo recibido por Tesorería.")
    services.evidencia_subir(actor=reportante, incidente_id=tercero.pk,
                             archivo=SimpleUploadedFile("captura-tesoreria.png", PNG))
    indicador_agregar(actor=analista, incidente_id=tercero.pk, valor="login-sigep.malo.example")
    services.incidente_fusionar(actor=analista, incidente_id=tercero.pk, maestro_id=maestro.pk)
    tareas.tarea_crear(actor=analista, incidente_id=maestro.pk,
                       titulo="Pedir al proveedor de correo el bloqueo del dominio",
                       asignado_id=analista.pk, vence_en=timezone.now() + timedelta(hours=4))
    tareas.tarea_crear(actor=analista, incidente_id=maestro.pk,
                       titulo="Enviar las cabeceras completas de un correo recibido",
                       descripcion="Desde Outlook: Archivo › Propiedades › Encabezados.",
                       asignado_id=reportante.pk, compartida=True,
                       vence_en=timezone.now() + timedelta(days=1))
    tareas.tarea_crear(actor=analista, incidente_id=sugerido.pk,
                       titulo="Confirmar si es el mismo caso", asignado_id=analista.pk)
    return {"maestro": maestro, "sugerido": sugerido, "tercero": tercero}


def main() -> int:
    e = escena()
    time.sleep(31)  # a fresh TOTP period (a code is accepted once; reruns log in again)
    with sync_playwright() as p:
        browser = lanzar(p)
        # One login (a TOTP code is accepted once); the phone context reuses its session.
        escritorio = ingresar(browser, "analista", personal=True, ancho=1366, alto=900)
        sesion = escritorio.context.storage_state()
        movil = browser.new_context(storage_state=sesion, viewport={"width": 390, "height": 844},
                                    device_scale_factor=2, is_mobile=True,
                                    has_touch=True).new_page()
        for sufijo, an in (("", escritorio), ("-movil", movil)):
            an.goto(f"{BASE}/incidentes/{e['sugerido'].pk}/")
            an.locator("#posible-duplicado").scroll_into_view_if_needed()
            an.screenshot(path=CAPTURAS / f"duplicado-sugerencia{sufijo}.png")
            an.goto(f"{BASE}/incidentes/{e['maestro'].pk}/")
            an.locator("#duplicados").scroll_into_view_if_needed()
            an.screenshot(path=CAPTURAS / f"fusion-maestro{sufijo}.png", full_page=True)
            an.goto(f"{BASE}/incidentes/mis-tareas/")
            an.screenshot(path=CAPTURAS / f"mis-tareas{sufijo}.png", full_page=True)
            if not sufijo:
                an.goto(f"{BASE}/incidentes/consola/")
                an.screenshot(path=CAPTURAS / "duplicado-consola.png")
        ent = ingresar(browser, "reportante.mefp", personal=False,
                       siguiente="/incidentes/mis-tareas/", **MOVIL)
        ent.screenshot(path=CAPTURAS / "mis-tareas-entidad-movil.png", full_page=True)
        browser.close()
    print("ok", e["maestro"].codigo, e["sugerido"].codigo, e["tercero"].codigo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
