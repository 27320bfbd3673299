import pytest

from tests.ciudadania import proveedor as prov


@pytest.fixture(scope="session")
def proveedor_oidc(tmp_path_factory):
    """django-oauth-toolkit's OpenID Connect provider in its own process (RS256)."""
    p = prov.arrancar(tmp_path_factory.mktemp("proveedor_oidc"))
    yield p
    p.detener()


@pytest.fixture
def cd_configurada(settings, proveedor_oidc):
    settings.CIUDADANIA_PROVEEDOR_URL = proveedor_oidc.emisor
    settings.CIUDADANIA_CLIENT_ID = prov.CLIENTE["client_id"]
    settings.CIUDADANIA_CLIENT_SECRET = prov.CLIENTE["secreto"]
    settings.CIUDADANIA_SCOPES = "openid profile"
    settings.CIUDADANIA_CLAIM_DOCUMENTO = "profile.documento_identidad.numero_documento"
    settings.CIUDADANIA_AMR_SEGUNDO_FACTOR = ["otp", "mfa"]
    settings.CIUDADANIA_ACR_SEGUNDO_FACTOR = []
    settings.CIUDADANIA_PERSONAL_SIN_SEGUNDO_FACTOR = "totp"
    return proveedor_oidc
