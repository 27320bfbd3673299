import pytest
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear
from tests.factories import crear_usuario

from .utiles import registrar


@pytest.fixture(autouse=True)
def _archivos_temporales(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"


@pytest.fixture
def registro(analista, entidad_a, entidad_b):
    """A: 200.87.0.0/16 and the domain minpruebas.gob.bo; B: 200.87.12.0/24 inside it,
    2800:cd0:10::/48 and AS64500."""
    registrar(analista, entidad_a, "red", "200.87.0.0/16")
    registrar(analista, entidad_a, "dominio", "minpruebas.gob.bo")
    registrar(analista, entidad_b, "red", "200.87.12.0/24")
    registrar(analista, entidad_b, "red", "2800:cd0:10::/48")
    registrar(analista, entidad_b, "asn", "64500")


@pytest.fixture
def intelmq(db):
    """The CGII's IntelMQ service account (group analista) and an API client with its token."""
    cuenta = crear_usuario(username="intelmq", rol_cgii="analista")
    # An automation account: write scope, created as an administrator would (TOTP passed).
    _token, clave = token_crear(usuario=cuenta, nombre="IntelMQ", actor="pruebas",
                                alcance="escritura", segundo_factor=True)
    cliente = APIClient()
    cliente.credentials(HTTP_AUTHORIZATION=f"Token {clave}")
    cliente.cuenta, cliente.clave = cuenta, clave
    return cliente
