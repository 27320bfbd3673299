"""Smoke test: the embedded profile (SQLite, in-memory layer, in-process tasks) boots end to end
the way `make run` does, with no service but Python."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    class SinRedireccion(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(SinRedireccion)
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def entorno_embebido(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "DJANGO_ENV"}}
    env["CGII_VAR_DIR"] = str(tmp_path)
    return env


def _manage(env, *args):
    r = subprocess.run([sys.executable, "manage.py", *args], cwd=RAIZ, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_perfil_embebido_arranca_y_sirve(entorno_embebido, tmp_path):
    _manage(entorno_embebido, "migrate", "--noinput")
    _manage(entorno_embebido, "cargar_catalogos")
    usuarios = json.loads(_manage(entorno_embebido, "cargar_demo", "--json"))
    assert {u["rol"] for u in usuarios} >= {"reportante", "rsi", "mae", "analista",
                                            "coordinador", "auditor", "administrador"}
    assert (tmp_path / "cgii.sqlite3").exists()

    puerto = _puerto_libre()
    log = open(tmp_path / "daphne.log", "w")
    proceso = subprocess.Popen(
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(puerto), "cgii.asgi:application"],
        cwd=RAIZ, env=entorno_embebido, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{puerto}"
    try:
        for _ in range(120):
            try:
                estado, cabeceras, _ = _get(base + "/")
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("daphne did not start: " + (tmp_path / "daphne.log").read_text())
        assert estado == 302 and "/cuenta/ingresar/" in cabeceras["Location"]
        estado, _, cuerpo = _get(base + "/cuenta/ingresar/")
        assert estado == 200 and b"Ingresar" in cuerpo
        estado, _, cuerpo = _get(base + "/api/schema/")
        assert estado == 200 and b"openapi" in cuerpo
        estado, _, cuerpo = _get(base + "/api/docs/")
        assert estado == 200
        estado, cabeceras, _ = _get(base + "/static/cgii/cgii.css")
        assert estado == 200
        estado, _, cuerpo = _get(base + "/salud/")
        assert estado == 200 and json.loads(cuerpo) == {"sano": True}   # liveness only
    finally:
        proceso.terminate()
        proceso.wait(timeout=10)
        log.close()
