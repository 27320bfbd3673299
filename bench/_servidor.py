"""A real ASGI server for the intake benchmark, and the HTTP clients that report to it;
a Celery worker for the websocket fan-out benchmark.

The server is the full stack's web role, ``python -m cgii.servidor``: gunicorn's master
supervising N uvicorn workers (``--procesos``, default 1), started with the bench environment
and always stopped by its own pid (the master's; workers it left behind by theirs). So is the
Celery worker (``Trabajador``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests
from _comun import RAIZ


def _puerto_libre(preferido: int) -> int:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", preferido)) != 0:
            return preferido
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servidor:
    """``with Servidor(entorno) as servidor:`` — ``cgii.servidor`` on 127.0.0.1, stopped on
    exit or error (its output goes to ``servidor.registro``); ``proceso.pid`` is gunicorn's
    master."""

    # Four workers booting Django on a shared 2-core machine at load ~15 took over 60 s.
    def __init__(self, entorno: dict[str, str], puerto: int = 8765, espera_s: float = 180,
                 procesos: int | None = None):
        self.entorno = {**os.environ, **entorno}
        self.procesos = procesos or 1
        self.puerto = _puerto_libre(puerto)
        # On a loaded machine four workers importing Django at once take longer than a
        # minute to boot: CGII_BENCH_ESPERA_SERVIDOR (seconds) waits longer.
        self.espera_s = float(os.environ.get("CGII_BENCH_ESPERA_SERVIDOR") or espera_s)
        self.proceso: subprocess.Popen | None = None
        self.registro = Path(tempfile.mkstemp(prefix="cgii-bench-servidor-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.puerto}"

    def __enter__(self) -> Servidor:
        orden = [str(RAIZ / ".venv" / "bin" / "python"), "-m", "cgii.servidor",
                 "--procesos", str(self.procesos), "--host", "127.0.0.1",
                 "--puerto", str(self.puerto)]
        with open(self.registro, "wb") as salida:
            self.proceso = subprocess.Popen(orden, cwd=RAIZ, env=self.entorno, stdout=salida,
                                            stderr=subprocess.STDOUT)
        try:
            self._esperar()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _esperar(self) -> None:
        limite = time.monotonic() + self.espera_s
        while time.monotonic() < limite:
            if self.proceso.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proceso.returncode}:\n"
                                   f"{self.cola_registro()}")
            try:
                if requests.get(f"{self.url}/salud/", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer within {self.espera_s} s:\n"
                           f"{self.cola_registro()}")

    def cola_registro(self, lineas: int = 40) -> str:
        return "\n".join(self.registro.read_text(errors="replace").splitlines()[-lineas:])

    def hijos(self) -> list[int]:
        """The master's worker pids (Linux /proc); empty once it has exited."""
        if self.proceso is None:
            return []
        try:
            texto = Path(f"/proc/{self.proceso.pid}/task/{self.proceso.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in texto.split()]

    def __exit__(self, *exc) -> None:
        if self.proceso is None:
            return
        hijos = self.hijos()
        if self.proceso.poll() is None:
            # TERM: gunicorn's graceful stop, at most WEB_GRACEFUL_TIMEOUT (30 s) plus the
            # master's own exit.
            self.proceso.terminate()
            try:
                self.proceso.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait()
        for pid in hijos:  # a worker outliving a killed master would keep the port
            try:
                if b"cgii.asgi" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


# ---- intake clients ----------------------------------------------------------------------

@dataclass
class Resultado:
    segundos: float = 0.0
    latencias: list[float] = field(default_factory=list)
    codigos: list[str] = field(default_factory=list)
    errores: list[tuple[int, str]] = field(default_factory=list)

    @property
    def reportes(self) -> int:
        return len(self.latencias)

    @property
    def por_segundo(self) -> float:
        return self.reportes / self.segundos if self.segundos else 0.0


def _reporte(cliente: int, i: int, detectado_en: str) -> dict:
    return {"titulo": f"Correos de phishing suplantando al SIGEP (cliente {cliente}, #{i})",
            "descripcion": "Desde las 08:10 llegan correos que piden credenciales del SIGEP "
                           "con enlace a sigep-gob-bo.com.",
            "detectado_en": detectado_en}


def _cliente(url: str, clave: str, cliente: int, cantidad: int, detectado_en: str,
             resultado: Resultado, candado: threading.Lock) -> None:
    # One keep-alive session per client, as an integrating system would use.
    with requests.Session() as sesion:
        sesion.headers.update({"Authorization": f"Token {clave}"})
        for i in range(cantidad):
            inicio = time.perf_counter()
            respuesta = sesion.post(f"{url}/api/v1/incidentes/",
                                    json=_reporte(cliente, i, detectado_en), timeout=60)
            latencia = time.perf_counter() - inicio
            with candado:
                resultado.latencias.append(latencia)
                if respuesta.status_code == 201:
                    resultado.codigos.append(respuesta.json()["codigo"])
                else:
                    resultado.errores.append((respuesta.status_code, respuesta.text[:2000]))


def reportar(url: str, clave: str, *, clientes: int, por_cliente: int,
             ahora_local) -> Resultado:
    """``clientes`` threads × ``por_cliente`` POSTs each; wall time for all of them."""
    detectado_en = (ahora_local - timedelta(minutes=20)).isoformat(timespec="seconds")
    resultado, candado = Resultado(), threading.Lock()
    hilos = [threading.Thread(target=_cliente, args=(url, clave, c, por_cliente, detectado_en,
                                                     resultado, candado))
             for c in range(clientes)]
    inicio = time.perf_counter()
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()
    resultado.segundos = time.perf_counter() - inicio
    return resultado


def sin_huecos(codigos: list[str], *, despues_de: int) -> tuple[bool, str]:
    """Codes of one year must be exactly despues_de+1 .. despues_de+len, each once."""
    numeros = sorted(int(c.rsplit("-", 1)[1]) for c in codigos)
    esperados = list(range(despues_de + 1, despues_de + 1 + len(codigos)))
    if numeros == esperados:
        return True, f"{despues_de + 1}..{despues_de + len(codigos)}"
    repetidos = len(numeros) - len(set(numeros))
    faltan = sorted(set(esperados) - set(numeros))[:10]
    return False, f"{repetidos} repeated, missing e.g. {faltan}"


# ---- the outbox dispatcher of the full stack ------------------------------------------------

class Trabajador:
    """``with Trabajador(entorno) as trabajador:`` — a Celery worker on the ``flujo`` queue
    (where ``evento_emitir``'s after-commit dispatch requests go since the live stream got a
    worker of its own, CELERY_TASK_ROUTES) and the ``celery`` one, started with the bench
    environment and stopped by its pid on exit or error (output in ``trabajador.registro``).

    One solo-pool process by default: one dispatcher, as a small deployment would run it.
    """

    def __init__(self, entorno: dict[str, str], *, pool: str = "solo", concurrencia: int = 1,
                 espera_s: float = 60, colas: str = "flujo,celery"):
        self.entorno = {**os.environ, **entorno}
        self.pool, self.concurrencia, self.espera_s = pool, concurrencia, espera_s
        self.colas = colas
        # A node name of our own, so a worker another script left running is not confused
        # with this one.
        self.nombre = f"bench-{os.getpid()}@%h"
        self.proceso: subprocess.Popen | None = None
        self.registro = Path(tempfile.mkstemp(prefix="cgii-bench-celery-", suffix=".log")[1])

    def __enter__(self) -> Trabajador:
        orden = [str(RAIZ / ".venv" / "bin" / "celery"), "-A", "cgii", "worker",
                 "-Q", self.colas, "--pool", self.pool, "-c", str(self.concurrencia),
                 "-n", self.nombre, "--loglevel", "INFO",
                 # Start-up chatter with other nodes only delays readiness.
                 "--without-mingle", "--without-gossip"]
        with open(self.registro, "wb") as salida:
            self.proceso = subprocess.Popen(orden, cwd=RAIZ, env=self.entorno, stdout=salida,
                                            stderr=subprocess.STDOUT)
        try:
            self._esperar()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _esperar(self) -> None:
        # "celery@host ready." is logged once the consumer listens on the queue.
        limite = time.monotonic() + self.espera_s
        while time.monotonic() < limite:
            if self.proceso.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.proceso.returncode}:\n"
                                   f"{self.cola_registro()}")
            if " ready." in self.registro.read_text(errors="replace"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"celery worker not ready within {self.espera_s} s:\n"
                           f"{self.cola_registro()}")

    def cola_registro(self, lineas: int = 40) -> str:
        return "\n".join(self.registro.read_text(errors="replace").splitlines()[-lineas:])

    def __exit__(self, *exc) -> None:
        # SIGTERM is Celery's warm shutdown: the running task finishes first.
        if self.proceso is not None and self.proceso.poll() is None:
            self.proceso.terminate()
            try:
                self.proceso.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait()


def cpu_segundos(pid: int) -> float | None:
    """User + system CPU seconds used so far by a process and its children (``cgii.servidor``
    runs its workers as children), read from Linux /proc; None where that is not available."""
    try:
        tics = 0
        pendientes = [pid]
        while pendientes:
            actual = pendientes.pop()
            # Fields after the command name (which may contain spaces): utime, stime are
            # the 12th and 13th.
            campos = Path(f"/proc/{actual}/stat").read_text().rsplit(")", 1)[1].split()
            tics += int(campos[11]) + int(campos[12])
            hijos = Path(f"/proc/{actual}/task/{actual}/children").read_text().split()
            pendientes += [int(h) for h in hijos]
        return tics / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
