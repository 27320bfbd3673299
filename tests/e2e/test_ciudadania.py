"""Browser test of the Ciudadanía Digital login in Chromium: the button on the login page,
the provider's own login page (django-oauth-toolkit in a subprocess, RS256 ID tokens), the
way back linked to the registered user, a staff member whose provider login carried a second
factor reaching staff pages, and logout at the provider. Screenshots of the button.

Needs Playwright, Chromium, PostgreSQL and Redis (the ASGI server runs in a subprocess).
"""

import pytest

from tests.ciudadania import proveedor as prov

from .conftest import RAIZ, ServidorAsgi, _puerto_libre, _url_base_de_datos

pytestmark = pytest.mark.e2e
CAPTURAS = RAIZ / "docs" / "screenshots"


@pytest.fixture
def proveedor_oidc(tmp_path):
    p = prov.arrancar(tmp_path)
    yield p
    p.detener()


@pytest.fixture
def servidor_cd(catalogos_cargados, proveedor_oidc, tmp_path, settings):
    """CGII (daphne) configured to use the test provider."""
    import os

    if not settings.ES_POSTGRES or not settings.REDIS_URL:
        pytest.skip("the live server test needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    capa = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    entorno = {
        **os.environ,
        "DATABASE_URL": _url_base_de_datos(),
        "REDIS_URL": settings.REDIS_URL,
        "CGII_CHANNELS_PREFIX": capa.get("prefix", "cgii"),
        "CGII_ARCHIVOS_DIR": str(tmp_path / "archivos"),
        "DJANGO_SETTINGS_MODULE": "cgii.settings",
        "PYTHONPATH": str(RAIZ),
        "CGII_CD_PROVEEDOR_URL": proveedor_oidc.emisor,
        "CGII_CD_CLIENT_ID": prov.CLIENTE["client_id"],
        "CGII_CD_CLIENT_SECRET": prov.CLIENTE["secreto"],
        "CGII_CD_AMR_SEGUNDO_FACTOR": "otp",
    }
    servidor = ServidorAsgi(entorno, _puerto_libre(), tmp_path / "daphne.log")
    servidor.iniciar()
    yield servidor
    servidor.detener()


def _ingresar_en_el_proveedor(pagina, documento: str) -> None:
    pagina.wait_for_url("**/entrar/**")
    assert "proveedor de pruebas" in pagina.content()
    pagina.fill("#id_username", documento)
    pagina.fill("#id_password", prov.CLAVE)
    pagina.click("button[type=submit]")
    pagina.wait_for_load_state()


def test_ingreso_y_salida_con_ciudadania_digital(servidor_cd, proveedor_oidc, navegador):
    from tests.factories import crear_entidad, crear_usuario

    entidad = crear_entidad(nombre="Ministerio de Pruebas", sigla="MPR")
    crear_usuario(username="rosa.cd", entidad=entidad, rol_entidad="rsi", first_name="Rosa",
                  last_name="Quispe", documento_identidad=prov.REGISTRADO)
    base = servidor_cd.url

    for nombre, (ancho, alto) in {"escritorio": (1366, 800), "movil": (390, 844)}.items():
        pagina = navegador.new_context(viewport={"width": ancho, "height": alto}).new_page()
        pagina.goto(f"{base}/cuenta/ingresar/")
        boton = pagina.get_by_role("link", name="Ingresar con Ciudadanía Digital")
        assert boton.is_visible()
        ancho_doc = pagina.evaluate("document.documentElement.scrollWidth")
        assert ancho_doc <= ancho, f"{nombre}: {ancho_doc} px"
        pagina.screenshot(path=str(CAPTURAS / f"ciudadania-ingreso-{nombre}.png"),
                          full_page=True)
        pagina.context.close()

    pagina = navegador.new_context(viewport={"width": 1366, "height": 800}).new_page()
    pagina.goto(f"{base}/cuenta/ingresar/?next=/incidentes/")
    pagina.get_by_role("link", name="Ingresar con Ciudadanía Digital").click()
    assert pagina.url.startswith(proveedor_oidc.base)
    _ingresar_en_el_proveedor(pagina, prov.REGISTRADO)
    assert pagina.url == f"{base}/incidentes/", pagina.url
    assert "Rosa Quispe" in pagina.content()

    # Logout: CGII, then the provider's end_session endpoint, then back to the login page.
    pagina.get_by_role("button", name="Salir").click()
    pagina.wait_for_url(f"{base}/cuenta/ingresar/**")
    pagina.goto(f"{base}/incidentes/")
    assert "/cuenta/ingresar/" in pagina.url
    # The provider's session is closed too: the button asks for the password again.
    pagina.get_by_role("link", name="Ingresar con Ciudadanía Digital").click()
    pagina.wait_for_url("**/entrar/**")
    pagina.context.close()


def test_personal_con_segundo_factor_del_proveedor(servidor_cd, proveedor_oidc, navegador):
    from tests.factories import crear_usuario

    crear_usuario(username="daniel.cd", rol_cgii="analista", first_name="Daniel",
                  last_name="Apaza", documento_identidad=prov.PERSONAL_CON_2FA)
    crear_usuario(username="desconocido.cd", documento_identidad="no-es-el-suyo")
    base = servidor_cd.url
    pagina = navegador.new_context().new_page()
    pagina.goto(f"{base}/cuenta/ciudadania/ingresar/?next=/incidentes/consola/")
    _ingresar_en_el_proveedor(pagina, prov.PERSONAL_CON_2FA)
    # The staff middleware would send an unverified session back to the login page.
    assert pagina.url.startswith(f"{base}/incidentes/consola/"), pagina.url
    assert "Daniel Apaza" in pagina.content()
    pagina.context.close()

    # Someone the platform does not know: back at the login page with the reason.
    pagina = navegador.new_context().new_page()
    pagina.goto(f"{base}/cuenta/ciudadania/ingresar/")
    _ingresar_en_el_proveedor(pagina, prov.DESCONOCIDO)
    assert pagina.url.startswith(f"{base}/cuenta/ingresar/")
    assert "no está registrada en la plataforma" in pagina.content()
    pagina.context.close()
