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

    def crear_replica(self) -> "ServidorPostgres":
        """A streaming standby of this (running) cluster: a second cluster made with
        ``pg_basebackup -R`` (standby.signal + primary_conninfo to this port) in its own
        directory, on its own port; start it with ``iniciar``. initdb's defaults are
        enough for a replica: wal_level=replica, max_wal_senders=10, and ``-A trust``
        lets replication connections in from loopback."""
        replica = ServidorPostgres()
        subprocess.run([*replica._como, str(self.bin / "pg_basebackup"), "-h", "127.0.0.1",
                        "-p", str(self.puerto), "-U", "postgres", "-D", str(replica.datos),
                        "-R", "-X", "stream", "-c", "fast", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
        return replica


DOVECOT = "/usr/sbin/dovecot"


class ServidorDovecot:
    """A private Dovecot (IMAP over TLS + LMTP) for the mail intake tests and bench: its own
    configuration, certificate, mail directory, runtime directory and free ports; stopped
    and removed at the end. Every account name exists (a static user database) with the
    password ``CLAVE``: a test or bench takes a fresh name and has an empty mailbox.

    As root (CI) the mail processes run as the ``dovecot`` system user (Dovecot never
    runs mail processes as root); otherwise everything runs as the current user."""

    CLAVE = "clave-buzon"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cgii-dovecot-"))
        self.dir.chmod(0o755)  # Dovecot's auth and mail processes read their files here
        self.puerto_imaps = puerto_libre()
        self.puerto_lmtp = puerto_libre()
        self.certificado = self.dir / "cert.pem"
        self.proceso: subprocess.Popen | None = None
        if os.geteuid() == 0:
            cuenta = pwd.getpwnam("dovecot")
            self._interno, self._login = "dovecot", "dovenull"
        else:
            cuenta = pwd.getpwuid(os.geteuid())
            self._interno = self._login = cuenta.pw_name
        self._uid, self._gid = cuenta.pw_uid, cuenta.pw_gid

    @staticmethod
    def disponible() -> bool:
        return Path(DOVECOT).exists() and Path("/usr/lib/dovecot/imap").exists() \
            and Path("/usr/lib/dovecot/lmtp").exists()

    def _escribir_configuracion(self) -> None:
        d = self.dir
        (d / "correo").mkdir(exist_ok=True)
        (d / "run").mkdir(exist_ok=True)
        (d / "estado").mkdir(exist_ok=True)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(d / "key.pem"), "-out", str(self.certificado),
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        (d / "dovecot.conf").write_text(f"""
instance_name = cgii-dovecot-{self.puerto_imaps}
base_dir = {d}/run
state_dir = {d}/estado
protocols = imap lmtp
listen = 127.0.0.1
log_path = {d}/dovecot.log
default_internal_user = {self._interno}
default_internal_group = {self._interno}
default_login_user = {self._login}
first_valid_uid = 1
ssl = required
ssl_cert = <{self.certificado}
ssl_key = <{d}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
mail_location = maildir:{d}/correo/%n
mail_uid = {self._uid}
mail_gid = {self._gid}
lmtp_save_to_detail_mailbox = no
recipient_delimiter = +
passdb {{
  driver = static
  args = password={self.CLAVE}
}}
userdb {{
  driver = static
  args = uid={self._uid} gid={self._gid} home={d}/correo/%n allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.puerto_imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.puerto_lmtp}
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
""")
        os.chown(d / "correo", self._uid, self._gid)


    def iniciar(self) -> None:
        self._escribir_configuracion()
        # -F: stay in the foreground, so this object owns the master process.
        self.proceso = subprocess.Popen([DOVECOT, "-F", "-c", str(self.dir / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        limite = time.monotonic() + 20
        while True:
            if self.proceso.poll() is not None:
                error = self.proceso.stderr.read().decode(errors="replace")
                raise RuntimeError(f"Dovecot no arrancó: {error}\n{self.registro()}")
            try:
                with socket.create_connection(("127.0.0.1", self.puerto_imaps), timeout=0.5), \
                        socket.create_connection(("127.0.0.1", self.puerto_lmtp), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > limite:
                    raise RuntimeError(f"Dovecot no escucha: {self.registro()}") from None
                time.sleep(0.05)

    def registro(self) -> str:
        ruta = self.dir / "dovecot.log"
        return ruta.read_text(errors="replace")[-4000:] if ruta.exists() else ""

    def entregar(self, remitente: str, destinatarios: list[str], mensaje: bytes) -> None:
        """Deliver one message by LMTP, as the mail server in front of the mailbox would."""
        import smtplib

        with smtplib.LMTP("127.0.0.1", self.puerto_lmtp, timeout=30) as lmtp:
            rechazados = lmtp.sendmail(remitente, destinatarios, mensaje)
        if rechazados:
            raise RuntimeError(f"LMTP rechazó {rechazados}")

    def detener(self) -> None:
        if self.proceso is not None:
            self.proceso.terminate()
            try:
                self.proceso.wait(15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(10)
            self.proceso = None
        shutil.rmtree(self.dir, ignore_errors=True)
