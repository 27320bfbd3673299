import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear


def codigo_de(dispositivo: TOTPDevice, *, desfase: int = 0) -> str:
    """The code an authenticator app shows now (``desfase`` steps away)."""
    valor = totp(dispositivo.bin_key, step=dispositivo.step, t0=dispositivo.t0,
                 digits=dispositivo.digits, drift=dispositivo.drift + desfase)
    return f"{valor:0{dispositivo.digits}d}"


@pytest.fixture
def dispositivo_analista(analista):
    return TOTPDevice.objects.create(user=analista, name="app", confirmed=True)


@pytest.fixture
def cliente():
    return Client()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def token_reportante_a(reportante_a):
    return token_crear(usuario=reportante_a, nombre="integración")


def con_token(clave: str, palabra: str = "Token") -> dict:
    return {"HTTP_AUTHORIZATION": f"{palabra} {clave}"}
