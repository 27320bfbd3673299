"""Fixtures for the browser tests of the live pages.

``servidor_asgi`` runs the real ASGI app (HTTP + websockets) with daphne in a subprocess on
the test database: pytest-django's ``live_server`` is WSGI and cannot speak websockets, and
a subprocess (unlike channels' ChannelsLiveServerTestCase) can be stopped and started again
on the same port to test reconnection. It needs PostgreSQL (the server and the test share
the database) and Redis (the server and the test process share the channel layer).

``despachador``: with REDIS_URL set nothing dispatches the outbox by itself in tests (no
Celery worker), so a thread of the test process runs ``despachar_pendientes()`` — what the
Celery task runs — every 0.1 s.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (fixtures, set-up through services, assertions) are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

RAIZ = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CGII_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CLAVE = "Clave-de-prueba-2026"


@pytest.fixture
def navegador():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, the ORM calls of the test get their own connection
        # (Django keys connections by context); close it here, inside that context, or the
        # test database cannot be dropped at the end of the session.
        connections.close_all()


@pytest.fixture
def catalogos_cargados(transactional_db):
    from protocolos import cargador, selectors

    selectors.limpiar_cache_calendarios()
    cargador.cargar_todo()
    yield
    selectors.limpiar_cache_calendarios()


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url_base_de_datos() -> str:
    d = connection.settings_dict
    usuario = quote(d.get("USER") or "")
    clave = f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else ""
    return (f"postgres://{usuario}{clave}@{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}"
            f"/{d['NAME']}")


class ServidorAsgi:
    """daphne serving cgii.asgi:application on 127.0.0.1:<port>, restartable."""

    def __init__(self, entorno: dict, puerto: int, registro: Path):
        self.entorno, self.puerto, self.registro = entorno, puerto, registro
        self.url = f"http://127.0.0.1:{puerto}"
        self.proceso: subprocess.Popen | None = None

    def iniciar(self, espera: float = 40) -> None:
        salida = self.registro.open("ab")
        self.proceso = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.puerto),
             "cgii.asgi:application"],
            cwd=RAIZ, env=self.entorno, stdout=salida, stderr=subprocess.STDOUT)
        limite = time.monotonic() + espera
        while time.monotonic() < limite:
            if self.proceso.poll() is not None:
                raise RuntimeError(f"daphne terminó: {self.registro.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/salud/", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"daphne no respondió: {self.registro.read_text()[-2000:]}")

    def detener(self) -> None:
        if self.proceso and self.proceso.poll() is None:
            self.proceso.terminate()
            try:
                self.proceso.wait(15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(5)
        self.proceso = None


@pytest.fixture
def servidor_asgi(catalogos_cargados, tmp_path, settings):
    if not settings.ES_POSTGRES or not settings.REDIS_URL:
        pytest.skip("the live server test needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    archivos = tmp_path / "archivos"
    settings.ARCHIVOS_PRIVADOS_DIR = archivos
    capa = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    entorno = {
        **os.environ,
        "DATABASE_URL": _url_base_de_datos(),
        "REDIS_URL": settings.REDIS_URL,
        "CGII_CHANNELS_PREFIX": capa.get("prefix", "cgii"),
        "CGII_ARCHIVOS_DIR": str(archivos),
        "DJANGO_SETTINGS_MODULE": "cgii.settings",
        "PYTHONPATH": str(RAIZ),
    }
    servidor = ServidorAsgi(entorno, _puerto_libre(), tmp_path / "daphne.log")
    servidor.iniciar()
    yield servidor
    # Before the test database is dropped: the server holds connections to it.
    servidor.detener()


@pytest.fixture
def despachador(servidor_asgi):
    """Deliver outbox events to the channel layer every 0.1 s while the test runs."""
    from cgii.eventos.despachador import despachar_pendientes

    parar = threading.Event()
    errores: list[BaseException] = []

    def bucle():
        try:
            while not parar.is_set():
                try:
                    despachar_pendientes()
                except Exception as exc:  # noqa: BLE001 - reported by the fixture, loop goes on
                    errores.append(exc)
                parar.wait(0.1)
        finally:
            connection.close()

    hilo = threading.Thread(target=bucle, name="despachador-e2e", daemon=True)
    hilo.start()
    yield
    parar.set()
    hilo.join(10)
    assert not errores, errores


def analista_con_totp(username: str):
    """A CGII analyst (Daniel Apaza) with a confirmed TOTP device: (user, device)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import crear_usuario

    analista = crear_usuario(username=username, rol_cgii="analista", password=CLAVE,
                             first_name="Daniel", last_name="Apaza")
    return analista, TOTPDevice.objects.create(user=analista, name="e2e", confirmed=True)


def codigo_totp(dispositivo) -> str:
    from django_otp.oath import totp

    return f"{totp(dispositivo.bin_key):06d}"


def escenario_flujo(sufijo: str, sigla: str, nombre: str):
    """An entity with its reporter ``reportante.<sufijo>`` (Rosa Quispe, password CLAVE) and
    an analyst ``analista.<sufijo>`` with TOTP: (analyst, TOTP device)."""
    from tests.factories import crear_entidad, crear_usuario

    entidad = crear_entidad(nombre=nombre, sigla=sigla)
    crear_usuario(username=f"reportante.{sufijo}", entidad=entidad, rol_entidad="reportante",
                  password=CLAVE, first_name="Rosa", last_name="Quispe")
    return analista_con_totp(f"analista.{sufijo}")


MENSAJE_SIN_CONEXION = "Mensaje enviado mientras usted estaba sin conexión."


def escenario_reconexion(sufijo: str, sigla: str):
    """An entity user ``reportante.<sufijo>`` (password CLAVE) with a reported incident, and
    an analyst: (incident, analyst)."""
    from tests.factories import crear_entidad, crear_usuario
    from tests.incidentes.utiles import reportar

    entidad = crear_entidad(nombre=f"Ministerio de Reconexión {sigla}", sigla=sigla)
    reportante = crear_usuario(username=f"reportante.{sufijo}", entidad=entidad,
                               rol_entidad="reportante", password=CLAVE)
    analista = crear_usuario(username=f"analista.{sufijo}", rol_cgii="analista")
    return reportar(reportante, entidad, titulo="Portal institucional desfigurado"), analista


def mientras_sin_conexion(incidente, analista) -> None:
    """While the page is disconnected: a transition and a shared message (the dispatcher
    fans them out to nobody and gives them their stream positions)."""
    from incidentes import services

    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto=MENSAJE_SIN_CONEXION)
    time.sleep(0.5)


def ingresar(browser, base: str, usuario: str, *, codigo: str | None = None,
             siguiente: str = "/", ancho: int = 1440, alto: int = 900):
    """A new browser context logged in as ``usuario`` (staff type their TOTP code)."""
    pagina = browser.new_context(viewport={"width": ancho, "height": alto}).new_page()
    # Uncaught script errors of the page, for tests to assert there were none.
    pagina.errores_js = []
    pagina.on("pageerror", lambda error: pagina.errores_js.append(str(error)))
    pagina.goto(f"{base}/cuenta/ingresar/?next={siguiente}")
    pagina.fill("#id_username", usuario)
    pagina.fill("#id_password", CLAVE)
    if codigo:
        pagina.fill("#id_codigo", codigo)
    pagina.click("form button[type=submit]")
    pagina.wait_for_load_state()
    assert "/cuenta/ingresar/" not in pagina.url, pagina.content()[:2000]
    return pagina
