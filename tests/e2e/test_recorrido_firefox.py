"""The walk of tests/e2e/test_recorrido.py in Firefox ESR (WebDriver BiDi, tests/e2e/firefox.py)
at phone width, 390×844: every page of every demo role, no document wider than the
viewport, no critical or serious axe-core violation (the same pinned axe.min.js, injected
into each document)."""

import json
import os
import time
from pathlib import Path

import pytest

from .firefox import FIREFOX, Firefox
from .recorrido import ROLES, recorrer, resumen
from .test_recorrido import CLAVE_DEMO, demo_cargada  # noqa: F401 - the fixture, shared

pytestmark = pytest.mark.e2e


@pytest.fixture
def firefox():
    if not Path(FIREFOX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{FIREFOX} is missing: .ci/run installs firefox-esr")
        pytest.skip(f"{FIREFOX} is not installed (apt-get install firefox-esr)")
    with Firefox() as ff:
        yield ff


def ingresar_demo(ff, base: str, usuario: str, personal: bool):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pestana = ff.pestana(ancho=390, alto=844)
    pestana.ir(f"{base}/cuenta/ingresar/")
    campos = {"#id_username": usuario, "#id_password": CLAVE_DEMO}
    if personal:
        dispositivo = TOTPDevice.objects.get(user__username=usuario, confirmed=True)
        campos["#id_codigo"] = f"{totp(dispositivo.bin_key):06d}"
    pestana.evaluar(f"""(() => {{
        for (const [selector, valor] of Object.entries({json.dumps(campos)})) {{
            document.querySelector(selector).value = valor;
        }}
        document.querySelector("form button[type=submit]").click();
        return true;
    }})()""")
    pestana.esperar("location.pathname !== '/cuenta/ingresar/' "
                    "&& document.readyState === 'complete'", timeout=15,
                    mensaje=f"{usuario} could not log in")
    return pestana


@pytest.mark.timeout(900)
def test_todas_las_paginas_en_firefox_movil(demo_cargada, servidor_asgi, firefox):  # noqa: F811
    inicio = time.monotonic()
    base = servidor_asgi.url
    todos, auditadas = [], set()
    for usuario, personal in ROLES:
        pestana = ingresar_demo(firefox, base, usuario, personal)
        todos += recorrer(base, pestana.ir, pestana.evaluar, [("movil", lambda: None)], usuario,
                          auditadas=auditadas, clase="personal" if personal else "entidad")
        firefox.comando("browsingContext.close", context=pestana.contexto)
    texto = resumen(todos)
    print(f"\nFirefox ESR, 390×844:\n{texto}\nwalk: {time.monotonic() - inicio:.0f} s")
    assert len(todos) > 150 and sum(1 for r in todos if r.violaciones is not None) > 40
    assert not [r for r in todos if r.desborde or r.graves], texto
    # Firefox logs a refused websocket as an error when a page is left mid-handshake, and an
    # AbortError when leaving a page cuts its pending requests short (the walk leaves each
    # page as soon as it is measured; the page's own handler is gone by then).
    otros = [e for e in firefox.errores_js if "ws://" not in e and "/ws/" not in e
             and not e.startswith("AbortError: The operation was aborted")]
    assert not otros, otros
