"""Screenshots of feed intake (issue 19) for docs/fuentes.md — a script, not a test.

    DATABASE_URL=postgres://…/cgii_capturas python tests/e2e/capturas_fuentes.py preparar
    (serve that database, e.g. python -m daphne -p 8077 cgii.asgi:application)
    DATABASE_URL=… python tests/e2e/capturas_fuentes.py [BASE]

``preparar`` (idempotent) loads the catalogs, an entity with its registry and its RSI
(password Demo-CGII-2026), a feed whose policy opens incidents, 60 Shadowserver-like events
through the intake service, and consolidates them. The capture logs in as the entity's RSI
and takes the incident detail (hosts section) and the full host table.
"""

import sys
from datetime import timedelta

import _capturas  # noqa: F401 - Django set-up first
from django.utils import timezone  # noqa: E402

RSI = "rsi.mopsv"


def preparar() -> None:
    from django.core.management import call_command

    from cgii.entidades.constituencia import registro_agregar
    from cgii.entidades.models import Entidad, Membresia, RedEntidad, Usuario
    from cgii.entidades.sistema import SISTEMA
    from incidentes.fuentes.models import Fuente, Politica
    from incidentes.fuentes.services import consolidar_pendientes, eventos_recibir
    from protocolos.cargador import cargar_todo

    call_command("migrate", verbosity=0)
    cargar_todo()
    entidad, _ = Entidad.objects.get_or_create(sigla="MOPSV", defaults={
        "nombre": "Ministerio de Obras Públicas, Servicios y Vivienda", "nivel": "central",
        "tipo": "ministerio"})
    rsi, creado = Usuario.objects.get_or_create(username=RSI, defaults={
        "first_name": "Rosa", "last_name": "Quispe", "email": "rsi@mopsv.gob.bo"})
    if creado:
        rsi.set_password(_capturas.CLAVE)
        rsi.save()
        Membresia.objects.create(usuario=rsi, entidad=entidad, rol="rsi")
    analista, _ = Usuario.objects.get_or_create(username="analista.capturas")
    from django.contrib.auth.models import Group

    analista.groups.add(Group.objects.get_or_create(name="analista")[0])
    if not RedEntidad.objects.filter(entidad=entidad).exists():
        registro_agregar(actor=analista, entidad_id=entidad.pk, tipo="red",
                         valor="200.87.112.0/22")
        registro_agregar(actor=analista, entidad_id=entidad.pk, tipo="dominio",
                         valor="oopp.gob.bo")
    Fuente.objects.update_or_create(proveedor="Shadowserver", nombre="Accessible-RDP",
                                    defaults={"politica": Politica.INCIDENTE})
    base = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=10)
    eventos = [{"feed.provider": "Shadowserver", "feed.name": "Accessible-RDP",
                "classification.type": "potentially-unwanted-accessible",
                "classification.identifier": "accessible-rdp",
                "source.ip": f"200.87.{112 + i // 200}.{10 + i % 200}",
                "source.port": 3389, "protocol.transport": "tcp", "source.asn": 6568,
                "time.source": (base + timedelta(minutes=7 * i)).isoformat()}
               for i in range(60)]
    eventos.append({**eventos[0], "source.ip": None, "source.fqdn": "escritorio.oopp.gob.bo",
                    "classification.identifier": "accessible-rdp"})
    eventos[-1].pop("source.ip")
    print(eventos_recibir(actor=SISTEMA, eventos=eventos).como_dict())
    print("consolidadas:", consolidar_pendientes(espera_minima=timedelta(0)))


def capturar() -> None:
    from playwright.sync_api import sync_playwright

    from incidentes.models import Incidente

    incidente = Incidente.objects.filter(entidad__sigla="MOPSV",
                                         origen="fuente_externa").latest("creado")
    with sync_playwright() as p:
        browser = _capturas.lanzar(p)
        pagina = _capturas.ingresar(browser, RSI, personal=False, ancho=1400, alto=1100)
        pagina.goto(f"{_capturas.BASE}/incidentes/{incidente.pk}/")
        pagina.wait_for_selector("#hosts-afectados")
        pagina.locator("#hosts-afectados").scroll_into_view_if_needed()
        pagina.screenshot(path=str(_capturas.CAPTURAS / "fuentes-incidente-entidad.png"),
                          full_page=True)
        pagina.goto(f"{_capturas.BASE}/fuentes/incidentes/{incidente.pk}/hosts/"
                    "?host=200.87.112.0/24")
        pagina.screenshot(path=str(_capturas.CAPTURAS / "fuentes-hosts-entidad.png"),
                          full_page=True)
        browser.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["preparar"]:
        preparar()
    else:
        capturar()
