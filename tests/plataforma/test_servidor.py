"""The supervised web server (``python -m cgii.servidor``: gunicorn's master, uvicorn workers)
as a real subprocess on a free port, on the test database and the test Redis channel layer.

It serves HTTP and websockets as daphne did (session cookie + origin check, token handshake,
our close codes after accept); a worker killed with SIGKILL is replaced while its sibling
keeps answering, and so is one that stops answering its heartbeat; HUP replaces every worker
with no failed request; TERM stops gracefully.
No timing assertion: every wait is for a condition, bounded.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from cgii.entidades.services import token_crear, token_revocar
from tests.factories import crear_entidad, crear_usuario

RAIZ = Path(__file__).resolve().parents[2]
PAGINA = "/cuenta/ingresar/"  # cheap, public, rendered by Django (not a static file)

requiere_servicios = pytest.mark.skipif(
    not settings.ES_POSTGRES or not settings.REDIS_URL,
    reason="the server subprocess shares the test database (PostgreSQL) and Redis with the test")


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url_base_de_datos() -> str:
    d = connection.settings_dict
    clave = f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else ""
    return (f"postgres://{quote(d.get('USER') or '')}{clave}@{d.get('HOST') or '127.0.0.1'}:"
            f"{d.get('PORT') or 5432}/{d['NAME']}")


def _esperar(condicion, limite_s: float, que: str, registro: Path | None = None):
    fin = time.monotonic() + limite_s
    while time.monotonic() < fin:
        valor = condicion()
        if valor:
            return valor
        time.sleep(0.05)
    cola = registro.read_text(errors="replace")[-3000:] if registro else ""
    pytest.fail(f"{que}: not within {limite_s} s\n{cola}")


def _estado(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


class Servidor:
    """``python -m cgii.servidor`` on 127.0.0.1:<free port>; ``pid`` is gunicorn's master."""

    def __init__(self, entorno: dict, registro: Path, procesos: int = 2):
        self.puerto = _puerto_libre()
        self.url = f"http://127.0.0.1:{self.puerto}"
        self.registro = registro
        self.procesos = procesos
        self.proceso = subprocess.Popen(
            [sys.executable, "-m", "cgii.servidor", "--procesos", str(procesos),
             "--puerto", str(self.puerto)],
            cwd=RAIZ, env=entorno, stdout=registro.open("ab"), stderr=subprocess.STDOUT)
        self.pid = self.proceso.pid

    def hijos(self) -> set[int]:
        """The master's live child processes (its workers), from Linux /proc."""
        try:
            texto = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return set()
        return {int(p) for p in texto.split() if _estado(int(p)) not in (None, "Z")}

    def sirviendo(self, pid: int) -> bool:
        """uvicorn logs this line once the worker accepts connections."""
        return f"Started server process [{pid}]" in self.registro.read_text(errors="replace")

    def listos(self, excluir: set[int] = frozenset()) -> set[int] | None:
        """The workers, once there are ``procesos`` of them, none in ``excluir``, all serving."""
        hijos = self.hijos()
        if len(hijos) == self.procesos and not hijos & excluir and all(
                self.sirviendo(p) for p in hijos):
            return hijos
        return None

    def esperar_listos(self, excluir: set[int] = frozenset(), limite_s: float = 90) -> set[int]:
        def condicion():
            if self.proceso.poll() is not None:
                pytest.fail(f"the server exited ({self.proceso.returncode}):\n"
                            f"{self.registro.read_text(errors='replace')[-3000:]}")
            return self.listos(excluir)

        return _esperar(condicion, limite_s, "workers ready", self.registro)

    def detener(self) -> None:
        """TERM, a graceful stop; whatever is still alive afterwards is killed by its pid."""
        hijos = self.hijos()
        if self.proceso.poll() is None:
            self.proceso.send_signal(signal.SIGTERM)
            try:
                self.proceso.wait(60)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(10)
        for pid in hijos:  # a worker outliving its master (only if something went wrong)
            try:
                if b"cgii.asgi" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture
def iniciar_servidor(transactional_db, tmp_path):
    """Start servers with extra environment; each is stopped at the end, before the test
    database is flushed or dropped (the workers hold connections to it)."""
    capa = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    iniciados = []

    def iniciar(**extra) -> Servidor:
        entorno = {
            **os.environ,
            "DATABASE_URL": _url_base_de_datos(),
            "REDIS_URL": settings.REDIS_URL,
            "CGII_CHANNELS_PREFIX": capa.get("prefix", "cgii"),
            "CGII_ARCHIVOS_DIR": str(tmp_path / "archivos"),
            "DJANGO_SETTINGS_MODULE": "cgii.settings",
            "WEB_GRACEFUL_TIMEOUT": "10",
            **extra,
        }
        s = Servidor(entorno, tmp_path / f"servidor-{len(iniciados)}.log")
        iniciados.append(s)
        s.esperar_listos()
        return s

    yield iniciar
    for s in iniciados:
        s.detener()


@pytest.fixture
def servidor(iniciar_servidor):
    return iniciar_servidor()


def _get(url: str, cabeceras: dict | None = None, timeout: float = 30) -> int:
    """One request on a new connection; the status, or the exception raised."""
    peticion = urllib.request.Request(url, headers=cabeceras or {})
    try:
        with urllib.request.urlopen(peticion, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


class Bucle:
    """A client thread sending requests one after another until stopped; ``fallos`` holds
    (start time, error) of each failed one."""

    def __init__(self, url: str):
        self.url, self.ok, self.fallos = url, 0, []
        self._parar = threading.Event()
        self._hilo = threading.Thread(target=self._correr, daemon=True)

    def _correr(self):
        while not self._parar.is_set():
            inicio = time.monotonic()
            try:
                estado = _get(self.url)
            except OSError as exc:
                self.fallos.append((inicio, repr(exc)))
                continue
            if estado == 200:
                self.ok += 1
            else:
                self.fallos.append((inicio, estado))

    def __enter__(self):
        self._hilo.start()
        return self

    def __exit__(self, *exc):
        self._parar.set()
        self._hilo.join(60)

    def esperar_mas(self, n: int, limite_s: float = 60) -> None:
        meta = self.ok + len(self.fallos) + n
        _esperar(lambda: self.ok + len(self.fallos) >= meta, limite_s, f"{n} more requests")


def test_la_orden_de_gunicorn_sigue_las_opciones(monkeypatch):
    from cgii import servidor

    orden = servidor.orden_gunicorn(3, "0.0.0.0", 8000, proxy_headers=False)
    assert orden[1:3] == ["-m", "gunicorn"] and orden[-1] == "cgii.asgi:application"
    assert " --bind 0.0.0.0:8000 --workers 3 " in " ".join(orden)
    assert "cgii.trabajador_uvicorn.TrabajadorUvicorn" in orden
    assert "--forwarded-allow-ips" not in orden
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    orden = servidor.orden_gunicorn(1, "::1", 8000, proxy_headers=True)
    assert "[::1]:8000" in orden and "cgii.trabajador_uvicorn.TrabajadorUvicornProxy" in orden
    assert orden[orden.index("--forwarded-allow-ips") + 1] == "10.0.0.5"
    # The in-memory channel layer does not cross processes: one by default without Redis.
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert servidor.procesos_por_defecto() == 1
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert servidor.procesos_por_defecto() == 2 * (os.cpu_count() or 1)


def test_el_trabajador_elige_protocolos_y_cabeceras_de_proxy():
    from cgii.trabajador_uvicorn import TrabajadorUvicorn, TrabajadorUvicornProxy

    assert TrabajadorUvicorn.CONFIG_KWARGS["ws"] == "websockets-sansio"
    assert TrabajadorUvicorn.CONFIG_KWARGS["proxy_headers"] is False
    assert TrabajadorUvicornProxy.CONFIG_KWARGS["proxy_headers"] is True


def _cookie_de_sesion(usuario) -> str:
    cliente = Client()
    cliente.force_login(usuario, backend="cgii.entidades.backend.BackendUsuarios")
    return f"{settings.SESSION_COOKIE_NAME}={cliente.cookies[settings.SESSION_COOKIE_NAME].value}"


def _primer_mensaje(ws) -> str:
    import json

    return json.loads(ws.recv(timeout=20))["tipo"]


def _codigo_de_cierre(ws) -> int:
    with pytest.raises(ConnectionClosed) as cierre:
        ws.recv(timeout=20)
    return cierre.value.rcvd.code


@requiere_servicios
def test_http_y_websockets_como_con_daphne(servidor):
    from cgii.eventos.despachador import despachar

    entidad = crear_entidad(sigla="MSRV")
    usuario = crear_usuario(username="reportante.srv", entidad=entidad, rol_entidad="reportante")
    token, clave = token_crear(usuario=usuario, nombre="script", entidad=entidad, alcance="escritura")
    ws_url = f"ws://127.0.0.1:{servidor.puerto}"

    assert _get(servidor.url + PAGINA) == 200
    assert _get(servidor.url + "/api/v1/incidentes/", {"Authorization": f"Token {clave}"}) == 200
    assert _get(servidor.url + "/api/v1/incidentes/") in (401, 403)

    # Browser: session cookie from an allowed Origin.
    with connect(f"{ws_url}/ws/eventos/?desde=0", origin=servidor.url,
                 additional_headers={"Cookie": _cookie_de_sesion(usuario)}) as ws:
        assert _primer_mensaje(ws) == "flujo.sincronizado"
    # ... the same cookie from a foreign Origin is refused at the handshake.
    with pytest.raises(InvalidStatus) as rechazo:
        connect(f"{ws_url}/ws/eventos/", origin="http://evil.example",
                additional_headers={"Cookie": _cookie_de_sesion(usuario)})
    assert rechazo.value.response.status_code == 403

    # Scripts: token handshake, no Origin; application close codes after accept.
    with connect(f"{ws_url}/ws/eventos/", additional_headers={
            "Authorization": "Token cgii_no-existe"}) as ws:
        assert _codigo_de_cierre(ws) == 4401
    with connect(f"{ws_url}/ws/incidentes/999999/", additional_headers={
            "Authorization": f"Token {clave}"}) as ws:
        assert _codigo_de_cierre(ws) == 4404
    with connect(f"{ws_url}/ws/eventos/?desde=0", additional_headers={
            "Authorization": f"Token {clave}"}) as ws:
        assert _primer_mensaje(ws) == "flujo.sincronizado"
        # Revoking reaches the worker holding the stream through the Redis channel layer.
        token_revocar(token=token, actor=usuario)
        despachar()
        assert _codigo_de_cierre(ws) == 4403


@requiere_servicios
def test_un_trabajador_muerto_se_reemplaza_y_el_otro_sigue_atendiendo(servidor):
    victima, hermano = sorted(servidor.hijos())
    with Bucle(servidor.url + PAGINA) as bucle:
        bucle.esperar_mas(5)
        os.kill(victima, signal.SIGKILL)
        _esperar(lambda: _estado(victima) in (None, "Z") or None, 30, "the worker dies")
        muerto = time.monotonic()
        # Its sibling answers meanwhile ...
        bucle.esperar_mas(10)
        nuevos = servidor.esperar_listos(excluir={victima})
        bucle.esperar_mas(5)
    assert hermano in nuevos and len(nuevos - {hermano}) == 1
    assert servidor.proceso.poll() is None
    # A request the killed worker had accepted dies with it; every later one is answered.
    assert [f for f in bucle.fallos if f[0] >= muerto] == [] and bucle.ok >= 20

    # ... and the replacement serves: with the sibling stopped, only it can accept.
    os.kill(hermano, signal.SIGSTOP)
    try:
        _esperar(lambda: _estado(hermano) == "T", 10, "the sibling stops")
        assert _get(servidor.url + PAGINA) == 200
    finally:
        os.kill(hermano, signal.SIGCONT)


@requiere_servicios
def test_un_trabajador_colgado_se_mata_y_se_reemplaza(iniciar_servidor):
    # A stopped process misses its heartbeat as a worker with a blocked event loop would.
    servidor = iniciar_servidor(WEB_TIMEOUT="2")
    colgado, hermano = sorted(servidor.hijos())
    os.kill(colgado, signal.SIGSTOP)
    nuevos = servidor.esperar_listos(excluir={colgado})
    assert hermano in nuevos
    assert f"WORKER TIMEOUT (pid:{colgado})" in servidor.registro.read_text()
    assert _get(servidor.url + PAGINA) == 200


@requiere_servicios
def test_sighup_reemplaza_los_trabajadores_sin_fallar_peticiones(servidor):
    viejos = servidor.hijos()
    with Bucle(servidor.url + PAGINA) as bucle:
        bucle.esperar_mas(5)
        servidor.proceso.send_signal(signal.SIGHUP)
        nuevos = servidor.esperar_listos(excluir=viejos)
        _esperar(lambda: not any(_estado(p) not in (None, "Z") for p in viejos), 30,
                 "the old workers exit")
        bucle.esperar_mas(10)
    assert len(nuevos) == 2 and not nuevos & viejos
    assert servidor.proceso.poll() is None
    assert bucle.fallos == [] and bucle.ok >= 15


@requiere_servicios
def test_sigterm_detiene_con_gracia(servidor):
    entidad = crear_entidad(sigla="MSRV2")
    usuario = crear_usuario(username="reportante.srv2", entidad=entidad, rol_entidad="reportante")
    _, clave = token_crear(usuario=usuario, nombre="script", entidad=entidad, alcance="escritura")
    hijos = servidor.hijos()
    with connect(f"ws://127.0.0.1:{servidor.puerto}/ws/eventos/?desde=0",
                 additional_headers={"Authorization": f"Token {clave}"}) as ws:
        assert _primer_mensaje(ws) == "flujo.sincronizado"
        servidor.proceso.send_signal(signal.SIGTERM)
        # An open stream is told the service restarts (the page reconnects and resumes).
        assert _codigo_de_cierre(ws) == 1012
    assert servidor.proceso.wait(60) == 0
    assert not any(_estado(p) not in (None, "Z") for p in hijos)
    with pytest.raises(OSError):
        _get(servidor.url + PAGINA, timeout=5)
