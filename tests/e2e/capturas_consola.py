"""Refresh docs/screenshots/{consola,consola-detalle,portal-entidad,notificaciones}.png.

Not a test (pytest does not collect it). Run it against a demo server on a fresh database,
with the same environment as the server (the script sets the scene through the services):

    createdb cgii_capturas; export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cgii_capturas
    export REDIS_URL=redis://127.0.0.1:6379/9
    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    celery -A cgii worker -B &        # or any loop calling despachar_pendientes()
    python tests/e2e/capturas_consola.py [http://127.0.0.1:8077]

The scene: the demo queue with clocks aged so that the console shows every SLA state
(breached, warning, ok, paused), a request waiting for the entity, and a report that
arrives while the analyst watches (highlighted as new).
"""

import sys
import time
from datetime import datetime, timedelta

import _capturas  # sets Django up first
from _capturas import BASE, CAPTURAS, lanzar
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from cgii.entidades.models import Entidad, Usuario
from cgii.eventos import notificaciones
from incidentes import services, sla
from incidentes.indicadores.services.vinculos import indicadores_pegar
from incidentes.models import EntradaTimeline, Incidente
from incidentes.services import monitor
from protocolos.models import RelojSLA


def usuario(nombre: str) -> Usuario:
    return Usuario.objects.get(username=nombre)


def envejecer(incidente: Incidente, minutos: int) -> None:
    """Move the incident's clocks (and its dates) back in time, then refresh them: the SLA
    figures become those of an incident reported ``minutos`` earlier."""
    delta = timedelta(minutes=minutos)
    with transaction.atomic():
        for reloj in RelojSLA.objects.select_for_update().filter(ambito="incidente",
                                                                objeto_id=incidente.pk):
            reloj.eventos = [{**e, "momento": (datetime.fromisoformat(e["momento"]) - delta)
                              .isoformat()} for e in reloj.eventos]
            reloj.save(update_fields=["eventos"])
        Incidente.objects.filter(pk=incidente.pk).update(
            creado=incidente.creado - delta, detectado_en=incidente.detectado_en - delta)
        EntradaTimeline.objects.filter(incidente=incidente).update(creado=F("creado") - delta)
        inc = Incidente.objects.select_for_update().get(pk=incidente.pk)
        sla.refrescar(inc, momento=timezone.now())


def escena() -> dict:
    analista = usuario("analista")
    phishing = Incidente.objects.get(titulo__startswith="Correos de phishing")
    ransomware = Incidente.objects.get(titulo__startswith="Equipo con archivos cifrados")
    escaneo = Incidente.objects.get(titulo__startswith="Escaneo de puertos")
    envejecer(phishing, 270)       # P1 containment (4 h) breached
    envejecer(escaneo, 50)         # P2 first response (1 h) at 83 %: warning
    fuga = services.incidente_reportar(
        actor=usuario("rsi.mefp"), entidad=Entidad.objects.get(sigla="MEFP"),
        titulo="Base de datos de contribuyentes publicada en un foro",
        descripcion="Un foro publica un volcado con 12 000 registros de contribuyentes.",
        detectado_en=timezone.now() - timedelta(minutes=40))
    services.incidente_clasificar(actor=analista, incidente_id=fuga.pk,
                                  tipo_codigo="fuga-datos", impacto=3, urgencia=2)
    envejecer(fuga, 20)
    services.incidente_solicitar_info(
        actor=analista, incidente_id=ransomware.pk,
        pregunta="¿Qué otros equipos de la Dirección de Presupuesto comparten la carpeta de red "
                 "con el equipo cifrado? Envíe la nota de rescate (archivo .txt) si la tiene.")
    services.incidente_comentar(actor=analista, incidente_id=phishing.pk, compartido=False,
                                texto="El dominio sigep-gob-bo[.]com se registró hace 2 días; "
                                      "pedimos la baja a NIC Bolivia.")
    indicadores_pegar(actor=analista, incidente_id=phishing.pk, texto=(
        "sigep-gob-bo[.]com\nhxxps://sigep-gob-bo[.]com/login/validar\n"
        "soporte@sigep-gob-bo[.]com\n185.220.101.47"))
    indicadores_pegar(actor=analista, incidente_id=fuga.pk, texto="185.220.101.47")
    monitor.sla_barrido()
    return {"phishing": phishing, "ransomware": ransomware}


def ingresar(browser, nombre: str, *, personal: bool, siguiente: str = "/", ancho=1920,
             alto=1080):
    return _capturas.ingresar(browser, nombre, personal=personal, siguiente=siguiente,
                              ancho=ancho, alto=alto)


def main() -> int:
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    casos = escena()
    with sync_playwright() as p:
        browser = lanzar(p)

        # 1. The console; a report arrives while the analyst watches.
        an = ingresar(browser, "analista", personal=True)
        expect(an.locator("[data-indicador-vivo][data-estado=conectado]")).to_be_visible()
        nuevo = services.incidente_reportar(
            actor=usuario("rsi.ende"), entidad=Entidad.objects.get(sigla="ENDE"),
            titulo="Accesos no autorizados al sistema SCADA de una subestación",
            descripcion="El SCADA registra inicios de sesión desde una IP externa a las 03:12.",
            detectado_en=timezone.now() - timedelta(minutes=15))
        expect(an.locator(f"#fila-{nuevo.pk}.nueva")).to_be_visible(timeout=5000)
        an.mouse.move(5, 1000)
        time.sleep(3.5)  # past the arrival animation; the highlight stays
        an.screenshot(path=CAPTURAS / "consola.png")
        print("consola.png")

        # 2. Live incident detail: the entity answers while the analyst has it open.
        phishing = casos["phishing"]
        an.goto(f"{BASE}/incidentes/{phishing.pk}/")
        expect(an.locator("[data-indicador-vivo][data-estado=conectado]")).to_be_visible()
        services.incidente_comentar(
            actor=usuario("rsi.mefp"), incidente_id=phishing.pk,
            texto="Bloqueamos sigep-gob-bo[.]com en el proxy a las 09:05 y forzamos el cambio "
                  "de contraseña de las dos cuentas.")
        expect(an.locator("#timeline .entrada.nueva")).to_be_visible(timeout=5000)
        an.screenshot(path=CAPTURAS / "consola-detalle.png", full_page=True)
        print("consola-detalle.png")

        # 3. The entity's portal: what CGII asked for, its incidents (older notices read).
        rsi = usuario("rsi.mefp")
        notificaciones.marcar_leidas(rsi, ids=list(
            notificaciones.notificaciones_de(rsi).values_list("pk", flat=True)[3:]))
        ent = ingresar(browser, "rsi.mefp", personal=False, alto=900)
        expect(ent.locator("[data-indicador-vivo][data-estado=conectado]")).to_be_visible()
        ent.locator("[data-solicitud] textarea").first.fill("Comparten la carpeta «Presupuesto")
        ent.screenshot(path=CAPTURAS / "portal-entidad.png", full_page=True)
        print("portal-entidad.png")

        # 4. The bell, open.
        ent.click("#boton-campana")
        expect(ent.locator("#panel-notificaciones")).to_be_visible()
        ent.screenshot(path=CAPTURAS / "notificaciones.png",
                       clip={"x": 1920 - 760, "y": 0, "width": 760, "height": 560})
        print("notificaciones.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
