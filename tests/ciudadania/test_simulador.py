"""The local simulator of Ciudadanía Digital's provider (/simulador-cd/), used by the real
login code: served by pytest-django's live server, driven by the test client."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY

from tests.factories import crear_entidad, crear_usuario


@pytest.fixture
def simulador(settings, live_server):
    settings.CIUDADANIA_SIMULADOR = True
    settings.CIUDADANIA_PROVEEDOR_URL = f"{live_server.url}/simulador-cd"
    settings.CIUDADANIA_CLIENT_ID = "cgii-local"
    settings.CIUDADANIA_CLIENT_SECRET = "secreto-del-simulador"
    settings.CIUDADANIA_AMR_SEGUNDO_FACTOR = ["otp"]
    return live_server


def _ruta(url: str) -> str:
    partes = urlsplit(url)
    return f"{partes.path}?{partes.query}"


def _ingresar(client, documento: str, *, segundo_factor: bool, siguiente="/"):
    autorizar = client.get("/cuenta/ciudadania/ingresar/", {"next": siguiente})["Location"]
    pagina = client.get(_ruta(autorizar))
    assert pagina.status_code == 200 and "Simulador local" in pagina.content.decode()
    datos = {k: v[0] for k, v in parse_qs(urlsplit(autorizar).query).items()}
    datos["documento"] = documento
    if segundo_factor:
        datos["segundo_factor"] = "1"
    retorno = client.post("/simulador-cd/autorizar/", datos)
    assert retorno.status_code == 302
    return client.get(_ruta(retorno["Location"]))


def test_apagado_responde_404(client, settings, db):
    settings.CIUDADANIA_SIMULADOR = False
    assert client.get("/simulador-cd/.well-known/openid-configuration").status_code == 404
    assert client.get("/simulador-cd/autorizar/").status_code == 404


def test_ingreso_por_el_simulador(client, simulador, transactional_db):
    entidad = crear_entidad(nombre="Ministerio de Pruebas", sigla="MPR")
    rosa = crear_usuario(username="rosa", entidad=entidad, rol_entidad="rsi",
                         documento_identidad="4567890")
    r = _ingresar(client, "4567890", segundo_factor=False, siguiente="/pisi/")
    assert r["Location"] == "/pisi/" and client.session[SESSION_KEY] == str(rosa.pk)


def test_personal_verificado_por_el_simulador(client, simulador, transactional_db):
    daniel = crear_usuario(username="daniel", rol_cgii="analista", documento_identidad="3344556")
    _ingresar(client, "3344556", segundo_factor=True)
    assert client.session[SESSION_KEY] == str(daniel.pk)
    assert DEVICE_ID_SESSION_KEY in client.session
    assert client.get("/incidentes/").status_code == 200


def test_documento_desconocido_rechazado(client, simulador, transactional_db):
    _ingresar(client, "0000001", segundo_factor=True)
    assert SESSION_KEY not in client.session


def test_token_exige_pkce_y_cliente(client, simulador, transactional_db):
    autorizar = client.get("/cuenta/ciudadania/ingresar/")["Location"]
    datos = {k: v[0] for k, v in parse_qs(urlsplit(autorizar).query).items()}
    retorno = client.post("/simulador-cd/autorizar/", {**datos, "documento": "1"})
    codigo = parse_qs(urlsplit(retorno["Location"]).query)["code"][0]
    base = {"grant_type": "authorization_code", "code": codigo,
            "redirect_uri": datos["redirect_uri"], "client_id": "cgii-local"}
    assert client.post("/simulador-cd/token/", {**base, "client_secret": "otro"}).status_code == 401
    otro = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
    r = client.post("/simulador-cd/token/", {**base, "client_secret": "secreto-del-simulador",
                                             "code_verifier": otro})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # Single use: the code is gone even after a failed exchange.
    r = client.post("/simulador-cd/token/", {**base, "client_secret": "secreto-del-simulador",
                                             "code_verifier": "x"})
    assert r.status_code == 400


def test_autorizar_rechaza_sin_pkce(client, simulador, transactional_db):
    r = client.get("/simulador-cd/autorizar/", {
        "client_id": "cgii-local", "response_type": "code",
        "redirect_uri": "http://testserver/cuenta/ciudadania/retorno/"})
    assert r.status_code == 400
