"""Throw-away PostgreSQL and Redis servers for tests that stop them.

Tests never stop the shared services (5432/6379): a test that kills a service starts its own
instance on a free port with its own data directory, and stops it at the end.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

REDIS_SERVER = "/usr/bin/redis-server"


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServidorRedis:
    """A throw-away redis-server this test starts and stops (no persistence)."""

    def __init__(self) -> None:
        self.puerto = puerto_libre()
        self.proceso: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.puerto}/0"

    def iniciar(self) -> None:
        self.proceso = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.puerto), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        cliente = redis.Redis(port=self.puerto, socket_connect_timeout=0.2)
        limite = time.monotonic() + 10
        while True:
            try:
                cliente.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > limite:
                    raise
                time.sleep(0.05)
            finally:
                cliente.close()

    def detener(self) -> None:
        if self.proceso is not None:
            self.proceso.terminate()
            self.proceso.wait(10)
            self.proceso = None

    def matar(self) -> None:
        """kill -9: what Redis held in memory is lost, as in a crash."""
        if self.proceso is not None:
            self.proceso.kill()
            self.proceso.wait(10)
            self.proceso = None


def binarios_postgres() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    candidatos = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(candidatos[-1]).parent if candidatos else None


class ServidorPostgres:
    """A private PostgreSQL cluster (initdb into a temporary directory, trust auth, loopback
    on a free port, fsync off). initdb refuses to run as root: as root the cluster belongs
    to the ``postgres`` system user."""

    def __init__(self) -> None:
        self.bin = binarios_postgres()
        self.puerto = puerto_libre()
        self.dir = Path(tempfile.mkdtemp(prefix="cgii-pg-"))
        self.datos = self.dir / "datos"
        self._como: list[str] = []
        if os.geteuid() == 0:
            usuario = pwd.getpwnam("postgres")
            os.chown(self.dir, usuario.pw_uid, usuario.pw_gid)
            self._como = ["runuser", "-u", "postgres", "--"]

    def url(self, base: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.puerto}/{base}"

    def crear_base(self, nombre: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conexion:
            conexion.execute(f'CREATE DATABASE "{nombre}"')

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run([*self._como, str(self.bin / "pg_ctl"), "-D", str(self.datos),
                        "-l", str(self.dir / "registro.log"), "-w", *args],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)

    def crear(self) -> None:
        subprocess.run([*self._como, str(self.bin / "initdb"), "-D", str(self.datos),
                        "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, timeout=120)

    def iniciar(self) -> None:
        opciones = (f"-p {self.puerto} -k {self.dir} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._pg_ctl("-o", opciones, "start")

    def detener(self) -> None:
        """Fast shutdown: open sessions are terminated, as in a restart or a crash."""
        self._pg_ctl("-m", "fast", "stop")

    def eliminar(self) -> None:
        if (self.datos / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
