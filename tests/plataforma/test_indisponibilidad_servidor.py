"""PostgreSQL and Redis stopped for real, under the real ASGI app (daphne in a subprocess).

The module starts its own PostgreSQL cluster and redis-server (never the shared ones): the
schema comes from a ``pg_dump`` of the test database (faster than migrating), the catalogs
and a reporting user with an API token and a session are created by the app's own code in
a ``manage.py shell``. The server runs with DEBUG off (the production path, handler500)
and a 2 s pool timeout so that each refused request costs little.
"""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_conectar

from tests.servicios_privados import (
    REDIS_SERVER,
    ServidorPostgres,
    ServidorRedis,
    binarios_postgres,
    puerto_libre,
)

RAIZ = Path(__file__).resolve().parents[2]
TOKEN_MONITOR = "monitor-de-pruebas-0123456789"
# pytest-django creates the test database only for sessions with django_db tests; the
# schema is copied from it (the tests themselves use the private server).
pytestmark = pytest.mark.django_db

SEMBRAR = """
from django.test import Client
from cgii.entidades.services import token_crear
from protocolos.cargador import cargar_todo
from tests.factories import crear_entidad, crear_usuario
cargar_todo()
entidad = crear_entidad(nombre="Ministerio de Pruebas de Caídas", sigla="MPC")
usuario = crear_usuario(username="rosa.quispe", entidad=entidad, rol_entidad="reportante")
_, clave = token_crear(usuario=usuario, nombre="pruebas de caídas", alcance="escritura")
cliente = Client()
cliente.force_login(usuario, backend="cgii.entidades.backend.BackendUsuarios")
print("TOKEN", clave)
print("SESION", cliente.cookies["sessionid"].value)
"""


def _url_base_de_pruebas() -> str:
    d = connection.settings_dict
    clave = f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else ""
    return (f"postgres://{quote(d.get('USER') or '')}{clave}@{d.get('HOST') or '127.0.0.1'}"
            f":{d.get('PORT') or 5432}/{d['NAME']}")


class Entorno:
    def __init__(self, pg: ServidorPostgres, redis: ServidorRedis, url: str, token: str,
                 sesion: str):
        self.pg, self.redis, self.url = pg, redis, url
        self.api = {"Authorization": f"Token {token}"}
        self.sesion = sesion
        self.ws_url = url.replace("http://", "ws://") + "/ws/eventos/"

    def get(self, ruta: str, **kw) -> requests.Response:
        return requests.get(self.url + ruta, timeout=60, allow_redirects=False, **kw)

    def pagina(self, ruta: str) -> requests.Response:
        return self.get(ruta, cookies={"sessionid": self.sesion})

    def cierre_ws(self, cabeceras: dict) -> int | None:
        """The close code the server sends after the handshake; None when the stream
        opens normally (it replays from ?desde=0 and says it is in sync)."""
        with ws_conectar(self.ws_url + "?desde=0", additional_headers=cabeceras,
                         open_timeout=30) as ws:
            try:
                while json.loads(ws.recv(timeout=10)).get("tipo") != "flujo.sincronizado":
                    pass
            except ConnectionClosed as cerrado:
                return cerrado.rcvd.code if cerrado.rcvd else None
        return None

    def ws_sesion(self) -> dict:
        return {"Cookie": f"sessionid={self.sesion}", "Origin": self.url}


def _esperar(condicion, segundos: float = 30) -> None:
    limite = time.monotonic() + segundos
    while not condicion():
        if time.monotonic() > limite:
            raise AssertionError("no se cumplió a tiempo")
        time.sleep(0.2)


def _salud_ok(e: Entorno) -> bool:
    try:
        return e.get("/salud/").status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def entorno(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.ES_POSTGRES:
        pytest.skip("needs PostgreSQL (DATABASE_URL): the schema is copied from the test database")
    if binarios_postgres() is None or not Path(REDIS_SERVER).exists():
        pytest.skip("needs the PostgreSQL server binaries (initdb, pg_ctl) and redis-server")
    with django_db_blocker.unblock():
        origen = _url_base_de_pruebas()
    tmp = tmp_path_factory.mktemp("indisponibilidad")
    pg, redis = ServidorPostgres(), ServidorRedis()
    servidor = None
    try:
        pg.crear()
        pg.iniciar()
        redis.iniciar()
        with psycopg.connect(pg.url(), autocommit=True) as c:
            c.execute("CREATE DATABASE cgii")
        esquema = subprocess.run(
            [str(pg.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d", origen],
            check=True, capture_output=True, timeout=120).stdout
        subprocess.run([str(pg.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.url("cgii")],
                       input=esquema, check=True, capture_output=True, timeout=120)
        entorno_app = {
            **os.environ,
            "DATABASE_URL": pg.url("cgii"), "REDIS_URL": redis.url,
            "DJANGO_SETTINGS_MODULE": "cgii.settings", "PYTHONPATH": str(RAIZ),
            "DJANGO_DEBUG": "0", "CGII_DB_POOL_TIMEOUT": "2", "CGII_DB_CONNECT_TIMEOUT": "2",
            "CGII_CHANNELS_PREFIX": "cgiiindisp", "CGII_ARCHIVOS_DIR": str(tmp / "archivos"),
            # /salud/'s details are for staff or a monitor holding this token.
            "CGII_SALUD_TOKEN": TOKEN_MONITOR,
        }
        entorno_app.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        sembrado = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", SEMBRAR], cwd=RAIZ,
            env=entorno_app, capture_output=True, text=True, timeout=120)
        assert sembrado.returncode == 0, sembrado.stderr[-3000:]
        valores = dict(linea.split(" ", 1) for linea in sembrado.stdout.splitlines()
                       if linea.startswith(("TOKEN ", "SESION ")))
        puerto = puerto_libre()
        registro = (tmp / "daphne.log").open("ab")
        servidor = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(puerto),
             "cgii.asgi:application"], cwd=RAIZ, env=entorno_app, stdout=registro,
            stderr=subprocess.STDOUT)
        e = Entorno(pg, redis, f"http://127.0.0.1:{puerto}", valores["TOKEN"],
                    valores["SESION"])
        _esperar(lambda: servidor.poll() is not None or _salud_ok(e), 60)
        assert servidor.poll() is None, (tmp / "daphne.log").read_text()[-3000:]
        yield e
    finally:
        if servidor is not None:
            servidor.terminate()
            try:
                servidor.wait(15)
            except subprocess.TimeoutExpired:
                servidor.kill()
        redis.detener()
        pg.eliminar()


def _calentar(e: Entorno) -> None:
    """Several requests at once: the pool grows to several connections (then idle)."""
    with ThreadPoolExecutor(8) as hilos:
        estados = list(hilos.map(lambda _: e.get("/api/v1/incidentes/", headers=e.api).status_code,
                                 range(40)))
    assert set(estados) == {200}


def test_postgres_caido_503_y_de_vuelta(entorno):
    e = entorno
    _calentar(e)
    e.pg.detener()
    try:
        r = e.get("/api/v1/incidentes/", headers=e.api)
        assert r.status_code == 503, r.text[:500]
        assert r.headers["Content-Type"] == "application/json"
        assert int(r.headers["Retry-After"]) > 0
        cuerpo = r.json()
        assert "base de datos" in cuerpo["message"]
        assert cuerpo["extra"]["servicio"] == "base_de_datos"

        r = e.pagina("/incidentes/portal/")
        assert r.status_code == 503
        assert r.headers["Content-Type"].startswith("text/html")
        assert "Retry-After" in r.headers
        assert "Servicio no disponible temporalmente" in r.text and 'lang="es"' in r.text

        r = e.get("/salud/")
        # Public liveness only (details are for staff or a monitor's token).
        assert r.status_code == 503 and r.json() == {"sano": False}

        # Closed with a code the browser client retries, not refused with HTTP 500.
        assert e.cierre_ws(e.api) == 4503
        assert e.cierre_ws(e.ws_sesion()) == 4503
    finally:
        e.pg.iniciar()
    _esperar(lambda: _salud_ok(e))
    estados = [e.get("/api/v1/incidentes/", headers=e.api).status_code for _ in range(50)]
    assert estados == [200] * 50
    assert e.pagina("/incidentes/portal/").status_code == 200


def test_reinicio_de_postgres_no_hace_fallar_ninguna_solicitud(entorno):
    """Every idle pooled connection dies with the restart; checked before each loan, none
    reaches a request."""
    e = entorno
    _calentar(e)
    e.pg.detener()
    e.pg.iniciar()
    estados = [e.get("/api/v1/incidentes/", headers=e.api).status_code for _ in range(50)]
    assert estados == [200] * 50
    assert e.get("/salud/").status_code == 200
    assert e.cierre_ws(e.ws_sesion()) is None  # open, waiting for events


def test_redis_caido_la_escritura_se_guarda(entorno):
    e = entorno

    def pendientes() -> int:
        with psycopg.connect(e.pg.url("cgii")) as c:
            return c.execute("SELECT count(*) FROM eventos_evento "
                             "WHERE entregado_en IS NULL").fetchone()[0]

    antes = pendientes()
    e.redis.detener()
    try:
        r = requests.post(e.url + "/api/v1/incidentes/", headers=e.api, timeout=60, json={
            "titulo": "Correos de phishing con Redis caído",
            "descripcion": "Llegan correos que piden la contraseña del correo institucional.",
            "detectado_en": "2026-11-20T10:00:00-04:00"})
        assert r.status_code == 201, r.text[:500]
        assert pendientes() > antes  # its events wait in the outbox for the sweep

        assert e.cierre_ws(e.api) == 4503
        assert e.cierre_ws(e.ws_sesion()) == 4503
        r = e.get("/salud/", headers={"X-Salud-Token": TOKEN_MONITOR})
        assert r.status_code == 200 and r.json()["redis"]["ok"] is False
    finally:
        e.redis.iniciar()
