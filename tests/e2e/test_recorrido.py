"""Every page of every demo role, in Chromium, at 390×844 and 1366×900 (issue 17): the
document is never wider than the viewport, and axe-core finds no critical or serious
violation; then the phone pages again in the dark theme (prefers-color-scheme: dark).

One server, one browser, one login per role; the pages are found by following links
(tests/e2e/recorrido.py). axe runs once per page, kind of user (staff / entity) and width:
the roles of a kind share the templates, and a second run of the same page costs ~0.5 s.
The figures of each run are printed (pytest -s) and written to $CGII_RECORRIDO_JSON if set.
"""

import json
import os
import time

import pytest

from .recorrido import (
    ROLES,
    Resultado,
    auditar_tema,
    ir_playwright,
    recorrer_playwright,
    resumen,
)

pytestmark = pytest.mark.e2e

CLAVE_DEMO = "Demo-CGII-2026"
# The dark theme is checked on the phone pages of one entity user and one analyst.
ROLES_OSCURO = {"rsi.mefp", "analista"}


@pytest.fixture
def demo_cargada(catalogos_cargados, settings, tmp_path):
    """The demo data (what `make run` loads), in the test database, before the server."""
    from django.core.management import call_command

    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    call_command("cargar_catalogos", verbosity=0)
    call_command("cargar_demo", "--json", stdout=open(os.devnull, "w"))


def ingresar_demo(navegador, base: str, usuario: str, personal: bool):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pagina = navegador.new_context(viewport={"width": 390, "height": 844}).new_page()
    pagina.errores_js = []
    pagina.on("pageerror", lambda e: pagina.errores_js.append(f"{pagina.url}: {e}"))
    pagina.goto(f"{base}/cuenta/ingresar/")
    pagina.fill("#id_username", usuario)
    pagina.fill("#id_password", CLAVE_DEMO)
    if personal:
        dispositivo = TOTPDevice.objects.get(user__username=usuario, confirmed=True)
        pagina.fill("#id_codigo", f"{totp(dispositivo.bin_key):06d}")
    pagina.click("form button[type=submit]")
    pagina.wait_for_load_state()
    assert "/cuenta/ingresar/" not in pagina.url, usuario
    return pagina


@pytest.mark.timeout(900)
def test_todas_las_paginas_de_todos_los_roles(demo_cargada, servidor_asgi, navegador):
    inicio = time.monotonic()
    base = servidor_asgi.url
    todos: list[Resultado] = []
    auditadas: set = set()
    errores_js: list[str] = []
    for usuario, personal in ROLES:
        pagina = ingresar_demo(navegador, base, usuario, personal)
        resultados = recorrer_playwright(base, pagina, usuario, auditadas=auditadas,
                                         clase="personal" if personal else "entidad")
        todos += resultados
        if usuario in ROLES_OSCURO:
            pagina.set_viewport_size({"width": 390, "height": 844})
            pagina.emulate_media(color_scheme="dark")
            todos += auditar_tema(resultados, "movil-oscuro",
                                  lambda u, p=pagina: ir_playwright(p, u),
                                  pagina.evaluate)
        errores_js += pagina.errores_js
        pagina.context.close()

    texto = resumen(todos)
    print(f"\n{texto}\nwalk: {time.monotonic() - inicio:.0f} s")
    if os.environ.get("CGII_RECORRIDO_JSON"):
        with open(os.environ["CGII_RECORRIDO_JSON"], "w") as f:
            json.dump([r.__dict__ for r in todos], f, ensure_ascii=False, indent=1)

    rutas = {r.ruta for r in todos}
    # The walk found the pages (a broken link-following would pass trivially).
    for esperada in ("incidentes:consola", "incidentes:portal", "incidentes:reportar",
                     "incidentes:detalle", "pisi:soa", "pisi:cronograma", "tablero",
                     "reportes:indice", "busqueda:inicio", "preferencias_notificaciones",
                     "indicadores:lista", "pisi:cola"):
        assert esperada in rutas, esperada
    assert len(todos) > 300
    assert sum(1 for r in todos if r.violaciones is not None) > 100
    anchas = [r for r in todos if r.desborde]
    graves = [r for r in todos if r.graves]
    assert not anchas and not graves, texto
    assert not errores_js, errores_js
