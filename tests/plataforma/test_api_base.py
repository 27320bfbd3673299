import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from cgii.errores import ArchivoDemasiadoGrande, ConflictoConcurrencia, ErrorValidacion


@api_view(["GET"])
@permission_classes([AllowAny])
def _falla(request, tipo):
    errores = {
        "validacion": ErrorValidacion("Título obligatorio", extra={"titulo": ["Requerido"]}),
        "conflicto": ConflictoConcurrencia(),
        "grande": ArchivoDemasiadoGrande(),
    }
    raise errores[tipo]


urlpatterns = [path("falla/<str:tipo>/", _falla)]


@pytest.mark.django_db
def test_esquema_y_docs_publicados(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    assert b"openapi: 3" in r.content
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("tipo,estado", [("validacion", 400), ("conflicto", 409), ("grande", 413)])
def test_errores_de_dominio_dan_message_y_extra(tipo, estado):
    r = APIClient().get(f"/falla/{tipo}/")
    assert r.status_code == estado
    assert set(r.json()) == {"message", "extra"}
    if tipo == "validacion":
        assert r.json() == {"message": "Título obligatorio", "extra": {"titulo": ["Requerido"]}}


@pytest.mark.django_db
def test_api_sin_credenciales_da_401_con_message():
    r = APIClient().get("/api/v1/yo/")
    assert r.status_code in (401, 403, 404)
    if r.status_code != 404:
        assert set(r.json()) == {"message", "extra"}
