"""python manage.py token_api."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cgii.entidades.models import Membresia, TokenAPI

pytestmark = pytest.mark.django_db


def ejecutar(*args) -> tuple[str, str]:
    salida, errores = StringIO(), StringIO()
    call_command("token_api", *args, stdout=salida, stderr=errores)
    return salida.getvalue().strip(), errores.getvalue()


def test_crea_e_imprime_la_clave_una_vez(reportante_a, entidad_a):
    clave, aviso = ejecutar("reportante_a", "--nombre", "SIEM", "--dias", "30")
    token = TokenAPI.objects.get()
    assert token.hash == hashlib.sha256(clave.encode()).hexdigest()
    assert token.nombre == "SIEM" and token.entidad == entidad_a
    assert "no se volverá a mostrar" in aviso and clave not in aviso


def test_entidad_por_sigla(reportante_a, entidad_b):
    Membresia.objects.create(usuario=reportante_a, entidad=entidad_b, rol="rsi")
    with pytest.raises(CommandError, match="varias entidades"):
        ejecutar("reportante_a", "--dias", "30")
    ejecutar("reportante_a", "--entidad", "gmpb", "--dias", "30")
    assert TokenAPI.objects.get().entidad == entidad_b


def test_errores_claros(reportante_a):
    with pytest.raises(CommandError, match="No existe el usuario"):
        ejecutar("nadie")
    with pytest.raises(CommandError, match="No existe la entidad"):
        ejecutar("reportante_a", "--entidad", "XYZ", "--dias", "30")
    with pytest.raises(CommandError, match="USERNAME"):
        ejecutar()


def test_revocar_por_prefijo(reportante_a, api):
    clave, _ = ejecutar("reportante_a", "--dias", "30")
    salida, _ = ejecutar("--revocar", clave[:13])
    assert "revocado" in salida
    assert not TokenAPI.objects.get().activo
    assert api.get("/api/v1/yo/", HTTP_AUTHORIZATION=f"Token {clave}").status_code == 401
    with pytest.raises(CommandError, match="No hay un token activo"):
        ejecutar(f"--revocar={clave[5:13]}")  # a key may start with "-"
