"""Issue 16, finding 10, in Chromium: /api/docs/ renders under the CSP (no inline script),
and the live pages still open their websocket with connect-src limited to this host."""

import pytest

from tests.e2e.conftest import CLAVE
from tests.factories import crear_entidad, crear_usuario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIGILAR_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _pagina(navegador):
    contexto = navegador.new_context()
    contexto.add_init_script(VIGILAR_CSP)
    return contexto.new_page()


def test_swagger_ui_se_muestra_sin_violar_la_csp(navegador, servidor_asgi):
    pagina = _pagina(navegador)
    pagina.goto(f"{servidor_asgi.url}/api/docs/")
    pagina.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert pagina.locator(".swagger-ui .opblock").count() > 50
    assert pagina.evaluate("window.__csp") == []


def test_la_pagina_en_vivo_abre_su_websocket(navegador, servidor_asgi):
    entidad = crear_entidad(nombre="Ministerio CSP", sigla="MCSP")
    crear_usuario(username="rsi_csp", entidad=entidad, rol_entidad="rsi", password=CLAVE)
    contexto = navegador.new_context()
    contexto.add_init_script(VIGILAR_CSP)
    sockets = []
    pagina = contexto.new_page()
    pagina.on("websocket", lambda ws: sockets.append(ws.url))
    pagina.goto(f"{servidor_asgi.url}/cuenta/ingresar/?next=/incidentes/portal/")
    pagina.fill("#id_username", "rsi_csp")
    pagina.fill("#id_password", CLAVE)
    pagina.click("form button[type=submit]")
    pagina.wait_for_load_state()
    if not sockets:
        pagina.wait_for_event("websocket", timeout=15_000)
    assert sockets and all(s.startswith(servidor_asgi.url.replace("http", "ws")) for s in sockets)
    assert pagina.evaluate("window.__csp") == []
    assert "ingresar" not in pagina.url
