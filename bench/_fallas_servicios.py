"""The private services and processes of bench/fallas.py, each one killable.

Everything the fault bench kills is its own: a PostgreSQL cluster (initdb into a temporary
directory, a free port), a redis-server, an in-memory OpenSearch (osmem-server), the
supervised web server (``python -m cgii.servidor``), the Celery workers and beat. The
machine's shared PostgreSQL (5432) and Redis (6379) are never touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from _comun import RAIZ

sys.path.insert(0, str(RAIZ))

from tests.servicios_privados import (  # noqa: E402
    ServidorPostgres,
    ServidorRedis,
    puerto_libre,
)

VENV = RAIZ / ".venv" / "bin"


def esperar(condicion, plazo_s: float, que: str) -> float:
    """Poll ``condicion`` until true; return the seconds it took (raise after ``plazo_s``)."""
    inicio = time.monotonic()
    while time.monotonic() - inicio < plazo_s:
        try:
            if condicion():
                return time.monotonic() - inicio
        except Exception:  # noqa: BLE001 - a service coming up refuses for a while
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{que}: not ready within {plazo_s} s")


class Postgres(ServidorPostgres):
    """The private cluster of the tests (tests/servicios_privados.py), created and started."""

    def __init__(self):
        super().__init__()
        self.crear()
        self.iniciar()

    cerrar = ServidorPostgres.eliminar


class Redis(ServidorRedis):
    """The private redis-server of the tests; no persistence, so a kill -9 loses what it
    held, as in production without AOF."""

    cerrar = ServidorRedis.matar


class Busqueda:
    """osmem-server, an in-memory OpenSearch-compatible server (what the search tests use).
    ``colgar`` stops the process (SIGSTOP): connections are accepted, nothing answers."""

    def __init__(self):
        from osmem_server import OsmemServer

        self.servidor = OsmemServer.start(japanese=False, addr="127.0.0.1:0",
                                          startup_timeout=30)

    @property
    def url(self) -> str:
        return self.servidor.url

    def colgar(self) -> None:
        os.kill(self.servidor.pid, signal.SIGSTOP)

    def soltar(self) -> None:
        os.kill(self.servidor.pid, signal.SIGCONT)

    def cerrar(self) -> None:
        try:
            self.soltar()
        except ProcessLookupError:
            pass
        self.servidor.close()


class Proceso:
    """A long-running command in its own process group, output to a log file."""

    def __init__(self, nombre: str, orden: list[str], entorno: dict, base: Path):
        self.nombre, self.orden, self.entorno = nombre, orden, entorno
        self.registro = base / f"{nombre}.log"
        self.proceso: subprocess.Popen | None = None

    def iniciar(self) -> None:
        salida = open(self.registro, "ab")  # noqa: SIM115 - lives as long as the process
        self.proceso = subprocess.Popen(self.orden, cwd=RAIZ, env=self.entorno, stdout=salida,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proceso.pid

    def vivo(self) -> bool:
        return self.proceso is not None and self.proceso.poll() is None

    def matar(self) -> None:
        """kill -9 of the whole process group (a Celery prefork master and its children)."""
        if self.vivo():
            os.killpg(self.proceso.pid, signal.SIGKILL)
            self.proceso.wait(10)

    def cerrar(self, plazo_s: float = 20) -> None:
        if not self.vivo():
            return
        os.killpg(self.proceso.pid, signal.SIGTERM)
        try:
            self.proceso.wait(plazo_s)
        except subprocess.TimeoutExpired:
            self.matar()

    def cola(self, lineas: int = 30) -> str:
        return "\n".join(self.registro.read_text(errors="replace").splitlines()[-lineas:])


def hijos(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Pila:
    """The full stack on private services: server, live-stream worker, sink worker, beat."""

    def __init__(self, entorno: dict, base: Path, procesos: int):
        self.entorno, self.base = entorno, base
        self.puerto = puerto_libre()
        self.url = f"http://127.0.0.1:{self.puerto}"
        python, celery = str(VENV / "python"), str(VENV / "celery")
        comun = ["--without-mingle", "--without-gossip", "--loglevel", "INFO"]
        self.servidor = Proceso("servidor", [python, "-m", "cgii.servidor", "--procesos",
                                             str(procesos), "--host", "127.0.0.1", "--puerto",
                                             str(self.puerto)], entorno, base)
        self.flujo = Proceso("celery-flujo", [celery, "-A", "cgii", "worker", "-Q", "flujo",
                                              "-c", "1", "-n", "flujo@%h", *comun], entorno, base)
        self.sumideros = Proceso("celery-sumideros", [celery, "-A", "cgii", "worker", "-Q",
                                                      "celery", "-c", "2", "-n", "sumideros@%h",
                                                      *comun], entorno, base)
        self.beat = Proceso("celery-beat", [celery, "-A", "cgii", "beat", "--loglevel", "INFO",
                                            "--schedule", str(base / "beat-schedule")],
                            entorno, base)
        self.procesos = [self.servidor, self.flujo, self.sumideros, self.beat]

    def iniciar(self) -> None:
        for proceso in self.procesos:
            proceso.iniciar()
        self.esperar_web()
        for trabajador in (self.flujo, self.sumideros):
            esperar(lambda t=trabajador: " ready." in t.registro.read_text(errors="replace"),
                    60, trabajador.nombre)

    def esperar_web(self, plazo_s: float = 60) -> float:
        return esperar(lambda: requests.get(f"{self.url}/salud/", timeout=2).status_code < 500,
                       plazo_s, "web server")

    def trabajadores_web(self) -> list[int]:
        """The serving processes: the leaves under the server's pid (gunicorn's workers,
        whether ``cgii.servidor`` execs the master or starts it as a child)."""
        hojas, pendientes = [], [self.servidor.pid]
        while pendientes:
            pid = pendientes.pop()
            debajo = hijos(pid)
            if debajo:
                pendientes += debajo
            elif pid != self.servidor.pid:
                hojas.append(pid)
        return sorted(hojas)

    def cerrar(self) -> None:
        for proceso in reversed(self.procesos):
            proceso.cerrar()


def directorio_temporal() -> Path:
    return Path(tempfile.mkdtemp(prefix="cgii-fallas-"))
