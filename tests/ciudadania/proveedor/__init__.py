"""The test OpenID Connect provider (django-oauth-toolkit) as a subprocess on a free port.

``arrancar(directorio)`` generates an RSA key, prepares a SQLite database with the people
and clients below, serves it with ``runserver`` and returns a ``Proveedor``; ``detener()``
stops it. Redirect URIs are on 127.0.0.1 (any port: RFC 8252 loopback, which DOT honours)
and on ``testserver`` (Django's test client).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RAIZ = Path(__file__).resolve().parents[3]
CLAVE = "clave-proveedor-2026"
CLIENTE = {"client_id": "cgii-plataforma", "secreto": "secreto-cgii-de-pruebas"}
OTRO_CLIENTE = {"client_id": "otro-sistema", "secreto": "secreto-otro-sistema"}
# Document numbers at the provider (its usernames).
REGISTRADO = "4567890"          # an entity user registered in CGII
PERSONAL_CON_2FA = "3344556"    # CGII staff, signs in at the provider with a second factor
PERSONAL_SIN_2FA = "7788990"    # CGII staff, password only at the provider
DESCONOCIDO = "1112223"         # has a digital identity, no CGII account
PERSONAS = [
    {"documento": REGISTRADO, "clave": CLAVE, "nombres": "Rosa"},
    {"documento": PERSONAL_CON_2FA, "clave": CLAVE, "nombres": "Daniel", "segundo_factor": True},
    {"documento": PERSONAL_SIN_2FA, "clave": CLAVE, "nombres": "Elena"},
    {"documento": DESCONOCIDO, "clave": CLAVE, "nombres": "Mario"},
]
RETORNOS = ["http://testserver/cuenta/ciudadania/retorno/",
            "http://127.0.0.1/cuenta/ciudadania/retorno/"]
SALIDAS = ["http://testserver/cuenta/ingresar/", "http://127.0.0.1/cuenta/ingresar/"]


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clave_rsa() -> str:
    clave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return clave.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption()).decode()


@dataclass
class Proveedor:
    base: str
    proceso: subprocess.Popen
    registro: Path
    sesiones: dict = field(default_factory=dict)

    @property
    def emisor(self) -> str:
        return f"{self.base}/o"

    def navegador(self, documento: str) -> requests.Session:
        """A user agent signed in at the provider as ``documento``."""
        s = requests.Session()
        pagina = s.get(f"{self.base}/entrar/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pagina.text).group(1)
        r = s.post(f"{self.base}/entrar/", data={
            "csrfmiddlewaretoken": token, "username": documento, "password": CLAVE,
            "next": "/o/"}, headers={"Referer": f"{self.base}/entrar/"},
            allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text[:500]
        return s

    def autorizar(self, navegador: requests.Session, url: str) -> str:
        """Follow the authorize URL as the signed-in agent: the redirect back (path+query)."""
        r = navegador.get(url, allow_redirects=False, timeout=10)
        assert r.status_code == 302, (r.status_code, r.text[:500])
        destino = urlsplit(r.headers["Location"])
        return f"{destino.path}?{destino.query}"

    def detener(self) -> None:
        if self.proceso.poll() is None:
            self.proceso.terminate()
            try:
                self.proceso.wait(10)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(5)


def arrancar(directorio: Path) -> Proveedor:
    entorno = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ciudadania.proveedor.settings",
        "PYTHONPATH": str(RAIZ),
        "CD_PROVEEDOR_BD": str(directorio / "proveedor.sqlite3"),
        "CD_PROVEEDOR_CLAVE": _clave_rsa(),
        "CD_PROVEEDOR_DATOS": json.dumps({
            "personas": PERSONAS,
            "clientes": [{**c, "retornos": RETORNOS, "salidas": SALIDAS}
                         for c in (CLIENTE, OTRO_CLIENTE)]}),
    }
    for clave in ("DATABASE_URL", "REDIS_URL"):
        entorno.pop(clave, None)
    subprocess.run([sys.executable, "-m", "tests.ciudadania.proveedor.preparar"], cwd=RAIZ,
                   env=entorno, check=True, timeout=120)
    puerto = _puerto_libre()
    registro = directorio / "proveedor.log"
    proceso = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{puerto}", "--noreload"],
        cwd=RAIZ, env=entorno, stdout=registro.open("ab"), stderr=subprocess.STDOUT)
    proveedor = Proveedor(base=f"http://127.0.0.1:{puerto}", proceso=proceso, registro=registro)
    limite = time.monotonic() + 60
    while time.monotonic() < limite:
        if proceso.poll() is not None:
            raise RuntimeError(f"el proveedor terminó: {registro.read_text()[-2000:]}")
        try:
            if requests.get(f"{proveedor.emisor}/.well-known/openid-configuration",
                            timeout=2).status_code == 200:
                return proveedor
        except requests.RequestException:
            time.sleep(0.2)
    proveedor.detener()
    raise RuntimeError(f"el proveedor no respondió: {registro.read_text()[-2000:]}")
