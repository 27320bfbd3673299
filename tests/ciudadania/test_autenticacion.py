"""OpenID Connect login against a real provider (django-oauth-toolkit, RS256) in its own
process: linking by identity document, refusals, the staff second-factor rule, logout."""

import base64
import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cgii.auditoria.models import RegistroAuditoria
from cgii.ciudadania import autenticacion
from cgii.ciudadania.models import DispositivoCiudadania
from cgii.entidades.models import Usuario
from tests.ciudadania import proveedor as prov
from tests.factories import crear_entidad, crear_usuario

pytestmark = pytest.mark.django_db


@pytest.fixture
def rosa():
    entidad = crear_entidad(nombre="Ministerio de Pruebas", sigla="MPR")
    return crear_usuario(username="rosa", entidad=entidad, rol_entidad="rsi",
                         documento_identidad=prov.REGISTRADO)


def _iniciar(client, siguiente="/"):
    r = client.get("/cuenta/ciudadania/ingresar/", {"next": siguiente})
    assert r.status_code == 302
    return r["Location"]


def _cambiar_parametro(url: str, **nuevos) -> str:
    partes = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(partes.query).items()}
    q.update(nuevos)
    return urlunsplit(partes._replace(query=urlencode(q)))


def _ingresar(client, proveedor, documento, siguiente="/"):
    url = _iniciar(client, siguiente)
    retorno = proveedor.autorizar(proveedor.navegador(documento), url)
    return client.get(retorno)


def _ultimo_ingreso():
    return RegistroAuditoria.objects.filter(accion="ciudadania.ingreso").order_by(
        "-secuencia").first()


def test_boton_solo_con_proveedor_configurado(client, settings):
    settings.CIUDADANIA_PROVEEDOR_URL = ""
    assert "Ingresar con Ciudadanía Digital" not in client.get("/cuenta/ingresar/").content.decode()
    assert client.get("/cuenta/ciudadania/ingresar/").status_code == 404
    settings.CIUDADANIA_PROVEEDOR_URL = "https://proveedor.ejemplo.bo"
    settings.CIUDADANIA_CLIENT_ID = "cgii"
    assert "Ingresar con Ciudadanía Digital" in client.get("/cuenta/ingresar/").content.decode()


def test_la_solicitud_usa_pkce_s256_nonce_y_state(client, cd_configurada):
    q = parse_qs(urlsplit(_iniciar(client)).query)
    assert q["code_challenge_method"] == ["S256"] and q["code_challenge"][0]
    assert q["nonce"][0] and q["state"][0]
    assert q["client_id"] == [prov.CLIENTE["client_id"]]
    assert q["scope"] == ["openid profile"]


def test_usuario_registrado_ingresa(client, cd_configurada, rosa):
    r = _ingresar(client, cd_configurada, prov.REGISTRADO, siguiente="/incidentes/")
    assert r.status_code == 302 and r["Location"] == "/incidentes/"
    assert client.session[SESSION_KEY] == str(rosa.pk)
    assert client.get("/cuenta/").status_code == 200
    registro = _ultimo_ingreso()
    assert registro.actor_id == rosa.pk and registro.datos["resultado"] == "ingresar"
    assert registro.datos["documento"].endswith("890") and prov.REGISTRADO not in json.dumps(
        registro.datos)


def test_identidad_no_registrada_no_crea_cuenta(client, cd_configurada, rosa):
    antes = Usuario.objects.count()
    r = _ingresar(client, cd_configurada, prov.DESCONOCIDO)
    assert r.status_code == 302 and r["Location"] == "/cuenta/ingresar/"
    assert SESSION_KEY not in client.session
    assert Usuario.objects.count() == antes
    pagina = client.get("/cuenta/ingresar/").content.decode()
    assert "no está registrada en la plataforma" in pagina
    assert _ultimo_ingreso().datos["resultado"] == "no_registrado"


def test_usuario_inactivo_no_ingresa(client, cd_configurada, rosa):
    rosa.is_active = False
    rosa.save(update_fields=["is_active"])
    _ingresar(client, cd_configurada, prov.REGISTRADO)
    assert SESSION_KEY not in client.session


def test_nonce_distinto_rechazado(client, cd_configurada, rosa):
    url = _cambiar_parametro(_iniciar(client), nonce="otro-nonce")
    retorno = cd_configurada.autorizar(cd_configurada.navegador(prov.REGISTRADO), url)
    client.get(retorno)
    assert SESSION_KEY not in client.session
    assert _ultimo_ingreso().datos["resultado"].startswith("token_invalido")


def test_state_desconocido_rechazado(client, cd_configurada, rosa):
    url = _cambiar_parametro(_iniciar(client), state="state-inventado")
    retorno = cd_configurada.autorizar(cd_configurada.navegador(prov.REGISTRADO), url)
    client.get(retorno)
    assert SESSION_KEY not in client.session


def _alterar(id_token: str) -> str:
    cabecera, carga, firma = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(carga + "=" * (-len(carga) % 4)))
    claims["profile"]["documento_identidad"]["numero_documento"] = prov.REGISTRADO
    claims["sub"] = "999"
    nueva = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{cabecera}.{nueva}.{firma}"


def test_token_alterado_rechazado(client, cd_configurada, rosa, monkeypatch):
    """The unknown person's real token, its payload rewritten to Rosa's document: the RS256
    signature no longer matches."""
    app = autenticacion.cliente()
    original = app.fetch_access_token

    def alterado(**kwargs):
        token = original(**kwargs)
        return {**token, "id_token": _alterar(token["id_token"])}

    monkeypatch.setattr(app, "fetch_access_token", alterado)
    _ingresar(client, cd_configurada, prov.DESCONOCIDO)
    assert SESSION_KEY not in client.session
    assert _ultimo_ingreso().datos["resultado"].startswith("token_invalido")


def test_audiencia_equivocada_rechazada(client, cd_configurada, rosa, monkeypatch):
    """A genuine, well-signed ID token issued to another client (aud = otro-sistema)."""
    app = autenticacion.cliente()
    metadatos = app.load_server_metadata()

    def de_otro_cliente(**kwargs):
        r = requests.post(metadatos["token_endpoint"], data={
            "grant_type": "authorization_code", "code": kwargs["code"],
            "redirect_uri": kwargs["redirect_uri"], "code_verifier": kwargs["code_verifier"],
            "client_id": prov.OTRO_CLIENTE["client_id"],
            "client_secret": prov.OTRO_CLIENTE["secreto"]}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    monkeypatch.setattr(app, "fetch_access_token", de_otro_cliente)
    url = _cambiar_parametro(_iniciar(client), client_id=prov.OTRO_CLIENTE["client_id"])
    client.get(cd_configurada.autorizar(cd_configurada.navegador(prov.REGISTRADO), url))
    assert SESSION_KEY not in client.session
    # Authlib: the client id is not in `aud`, so `azp` would have to name it (OIDC Core
    # §3.1.3.7 items 3-5); it is absent, and the token is refused.
    resultado = _ultimo_ingreso().datos["resultado"]
    assert resultado.startswith("token_invalido") and ("aud" in resultado or "azp" in resultado)


def test_personal_con_segundo_factor_del_proveedor_queda_verificado(client, cd_configurada):
    daniel = crear_usuario(username="daniel", rol_cgii="analista",
                           documento_identidad=prov.PERSONAL_CON_2FA)
    r = _ingresar(client, cd_configurada, prov.PERSONAL_CON_2FA, siguiente="/incidentes/")
    assert r["Location"] == "/incidentes/"
    dispositivo = DispositivoCiudadania.objects.get(user=daniel)
    assert client.session[DEVICE_ID_SESSION_KEY] == dispositivo.persistent_id
    # The staff middleware lets a verified session through (it logs unverified ones out).
    assert client.get("/incidentes/").status_code == 200
    assert _ultimo_ingreso().datos["resultado"] == "verificado"
    # That device is no authenticator: a local login still enrols TOTP, and it takes no code.
    from cgii.entidades.segundo_factor import tiene_dispositivo
    assert not tiene_dispositivo(daniel)
    assert not dispositivo.verify_token("123456")


def test_personal_sin_segundo_factor_escribe_su_codigo_totp(client, cd_configurada):
    elena = crear_usuario(username="elena", rol_cgii="coordinador",
                          documento_identidad=prov.PERSONAL_SIN_2FA)
    totp_dev = TOTPDevice.objects.create(user=elena, name="app", confirmed=True)
    r = _ingresar(client, cd_configurada, prov.PERSONAL_SIN_2FA, siguiente="/incidentes/")
    assert r["Location"] == "/cuenta/ciudadania/codigo/"
    assert SESSION_KEY not in client.session
    assert client.get("/cuenta/ciudadania/codigo/").status_code == 200
    malo = client.post("/cuenta/ciudadania/codigo/", {"codigo": "000000"})
    assert "no es válido" in malo.content.decode() and SESSION_KEY not in client.session
    # django-otp throttles the next try after a failure (1 s); skip the wait, not the check.
    TOTPDevice.objects.filter(pk=totp_dev.pk).update(throttling_failure_count=0,
                                                      throttling_failure_timestamp=None)
    r = client.post("/cuenta/ciudadania/codigo/", {"codigo": f"{totp(totp_dev.bin_key):06d}"})
    assert r["Location"] == "/incidentes/"
    assert client.session[DEVICE_ID_SESSION_KEY] == totp_dev.persistent_id
    assert client.get("/incidentes/").status_code == 200


def test_personal_sin_segundo_factor_ni_totp_rechazado(client, cd_configurada, settings):
    crear_usuario(username="elena", rol_cgii="coordinador",
                  documento_identidad=prov.PERSONAL_SIN_2FA)
    r = _ingresar(client, cd_configurada, prov.PERSONAL_SIN_2FA)
    assert r["Location"] == "/cuenta/ingresar/" and SESSION_KEY not in client.session
    assert _ultimo_ingreso().datos["resultado"] == "personal_sin_segundo_factor"


def test_regla_rechazar_aunque_tenga_totp(client, cd_configurada, settings):
    settings.CIUDADANIA_PERSONAL_SIN_SEGUNDO_FACTOR = "rechazar"
    elena = crear_usuario(username="elena", is_staff=True,
                          documento_identidad=prov.PERSONAL_SIN_2FA)
    TOTPDevice.objects.create(user=elena, name="app", confirmed=True)
    r = _ingresar(client, cd_configurada, prov.PERSONAL_SIN_2FA)
    assert r["Location"] == "/cuenta/ingresar/" and SESSION_KEY not in client.session


def test_acr_configurado_cuenta_como_segundo_factor(settings):
    settings.CIUDADANIA_AMR_SEGUNDO_FACTOR = ["otp"]
    settings.CIUDADANIA_ACR_SEGUNDO_FACTOR = ["https://cd.gob.bo/acr/2"]
    assert autenticacion.segundo_factor_afirmado({"amr": ["pwd", "otp"]})
    assert autenticacion.segundo_factor_afirmado({"acr": "https://cd.gob.bo/acr/2"})
    assert not autenticacion.segundo_factor_afirmado({"amr": ["pwd"], "acr": "1"})
    assert not autenticacion.segundo_factor_afirmado({})


def test_salir_cierra_tambien_en_el_proveedor(client, cd_configurada, rosa):
    _ingresar(client, cd_configurada, prov.REGISTRADO)
    r = client.post("/cuenta/ciudadania/salir/")
    assert SESSION_KEY not in client.session
    destino = urlsplit(r["Location"])
    assert f"{destino.scheme}://{destino.netloc}{destino.path}" == (
        f"{cd_configurada.emisor}/logout/")
    q = parse_qs(destino.query)
    assert q["post_logout_redirect_uri"] == ["http://testserver/cuenta/ingresar/"]
    assert q["id_token_hint"][0].count(".") == 2
    # The provider accepts it and sends the person back to the login page.
    fin = cd_configurada.navegador(prov.REGISTRADO).get(r["Location"], allow_redirects=False)
    assert fin.status_code == 302
    assert fin.headers["Location"].startswith("http://testserver/cuenta/ingresar/")


def test_salir_local_sin_ciudadania(client, rosa):
    client.force_login(rosa)
    r = client.post("/cuenta/ciudadania/salir/")
    assert r["Location"] == "/cuenta/ingresar/" and SESSION_KEY not in client.session


def test_proveedor_caido_mensaje_claro(client, settings):
    settings.CIUDADANIA_PROVEEDOR_URL = "http://127.0.0.1:9/o"
    settings.CIUDADANIA_CLIENT_ID = "cgii"
    r = client.get("/cuenta/ciudadania/ingresar/")
    assert r["Location"] == "/cuenta/ingresar/"
    assert "no responde en este momento" in client.get("/cuenta/ingresar/").content.decode()


def test_csp_permite_el_cierre_en_el_proveedor(client, settings):
    settings.CIUDADANIA_PROVEEDOR_URL = "https://proveedor.cd.gob.bo/o"
    settings.CIUDADANIA_CLIENT_ID = "cgii"
    csp = client.get("/cuenta/ingresar/")["Content-Security-Policy"]
    assert "form-action 'self' https://proveedor.cd.gob.bo" in csp
