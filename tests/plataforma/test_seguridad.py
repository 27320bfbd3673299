"""Issue 16, finding 10: /api/docs/ without inline script, connect-src limited to this host,
Permissions-Policy, /salud/ details only for staff or a monitoring token, and a clear
message when production has no DJANGO_SECRET_KEY."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db
RAIZ = Path(__file__).resolve().parents[2]


def _directivas(respuesta) -> dict[str, list[str]]:
    politica = respuesta["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (x.strip() for x in politica.split(";")) if d}


def test_connect_src_solo_este_host(client):
    r = client.get("/cuenta/ingresar/")
    connect = _directivas(r)["connect-src"]
    assert connect == ["'self'", "ws://testserver"]
    assert "ws:" not in connect and "wss:" not in connect
    r = client.get("/cuenta/ingresar/", secure=True)
    assert _directivas(r)["connect-src"] == ["'self'", "wss://testserver"]


def test_permissions_policy(client):
    politica = client.get("/cuenta/ingresar/")["Permissions-Policy"]
    for permiso in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert permiso in politica


def test_docs_sin_script_en_linea(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in atributos and not cuerpo.strip()
                           for atributos, cuerpo in scripts)
    assert "'unsafe-inline'" not in _directivas(r)["script-src"]
    [inicio] = [re.search(r'src="([^"]+)"', a).group(1) for a, _c in scripts
                if "script=" in a]
    js = client.get(inicio.replace("&amp;", "&"))
    assert js.status_code == 200 and b"SwaggerUIBundle" in js.content


def test_salud_publica_solo_dice_si_vive(client, settings):
    settings.SALUD_TOKEN = "monitor-123"
    assert client.get("/salud/").json() == {"sano": True}
    assert client.get("/salud/", HTTP_X_SALUD_TOKEN="otro").json() == {"sano": True}
    detalles = client.get("/salud/", HTTP_X_SALUD_TOKEN="monitor-123").json()
    assert {"base_de_datos", "redis", "celery", "busqueda", "outbox"} <= set(detalles)


def test_salud_sin_token_configurado_no_abre_detalles(client, settings):
    settings.SALUD_TOKEN = ""
    assert client.get("/salud/", HTTP_X_SALUD_TOKEN="").json() == {"sano": True}


def test_salud_detalles_para_el_personal(analista, reportante_a):
    c = Client()
    iniciar_sesion_verificada(c, analista)
    assert "outbox" in c.get("/salud/").json()
    e = Client()
    e.force_login(reportante_a)
    assert e.get("/salud/").json() == {"sano": True}


def test_produccion_sin_clave_secreta_lo_dice():
    entorno = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    entorno.update(DJANGO_ENV="production", DJANGO_SETTINGS_MODULE="cgii.settings")
    r = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=RAIZ,
                       env=entorno, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "ImproperlyConfigured" in r.stderr and "DJANGO_SECRET_KEY" in r.stderr
    assert "KeyError" not in r.stderr
