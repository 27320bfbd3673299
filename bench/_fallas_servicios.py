"""The private services and processes of bench/fallas.py, each one killable.

Everything the fault bench kills is its own: a PostgreSQL cluster (initdb into a temporary
directory, a free port), a redis-server, an in-memory OpenSearch (osmem-server), the
supervised web server (``python -m cgii.servidor``), the Celery workers and beat. The
machine's shared PostgreSQL (5432) and Redis (6379) are never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from _comun import RAIZ

PG_BIN = Path(os.environ.get("CGII_PG_BIN", sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
                             if Path("/usr/lib/postgresql").exists() else "/usr/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
VENV = RAIZ / ".venv" / "bin"


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class Postgres:
    """A throw-away PostgreSQL cluster (trust auth) on a free port."""

    def __init__(self, base: Path):
        self.dir = base / "pg"
        self.puerto = puerto_libre()
        self.registro = base / "pg.log"

    def url(self, base_de_datos: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.puerto}/{base_de_datos}"

    @staticmethod
    def _como_postgres() -> list[str]:
        # initdb and postgres refuse to run as root (CI and these machines run as root).
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def crear(self) -> None:
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.registro.touch()
            shutil.chown(self.registro, "postgres", "postgres")
        subprocess.run([*self._como_postgres(), str(PG_BIN / "initdb"), "-D", str(self.dir),
                        "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        with open(self.dir / "postgresql.conf", "a") as conf:  # root may append
            conf.write(f"port = {self.puerto}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nmax_connections = 200\n"
                       "fsync = on\nsynchronous_commit = on\n")
        self.iniciar()

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run([*self._como_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(self.dir),
                        "-l", str(self.registro), "-w", "-t", "60", *args],
                       check=True, capture_output=True)

    def iniciar(self) -> None:
        self._pg_ctl("start")

    def detener(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def crear_base(self, nombre: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", [nombre]).fetchone():
                c.execute(f'CREATE DATABASE "{nombre}"')

    def cerrar(self) -> None:
        try:
            self.detener()
        except subprocess.CalledProcessError:
            pass


class Redis:
    """A redis-server of our own, no persistence (a kill -9 loses what it held, as in
    production without AOF)."""

    def __init__(self):
        self.puerto = puerto_libre()
        self.proceso: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.puerto}/0"

    def iniciar(self) -> None:
        self.proceso = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.puerto), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        esperar(lambda: redis.Redis(port=self.puerto, socket_connect_timeout=0.3).ping(), 10,
                "redis")

    def matar(self) -> None:
        if self.proceso is not None:
            self.proceso.send_signal(signal.SIGKILL)
            self.proceso.wait(10)
            self.proceso = None

    cerrar = matar


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
    base = Path(tempfile.mkdtemp(prefix="cgii-fallas-"))
    base.chmod(0o755)  # the postgres user (initdb as root) must reach its directory
    return base
