"""Staff sessions without TOTP are ended by SegundoFactorPersonalMiddleware."""

import pytest
from django.contrib.auth import get_user
from django.http import HttpResponse
from django.urls import path

from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db


def test_sesion_de_personal_sin_totp_se_cierra(cliente, analista, dispositivo_analista):
    cliente.force_login(analista)
    r = cliente.get("/?x=1")
    assert r.status_code == 302
    assert r["Location"] == "/cuenta/ingresar/?next=/%3Fx%3D1"
    assert not get_user(cliente).is_authenticated


def test_en_la_api_responde_401_json(cliente, analista):
    cliente.force_login(analista)
    r = cliente.get("/api/v1/yo/")
    assert r.status_code == 401
    assert r.json()["extra"]["code"] == "segundo_factor_requerido"
    assert not get_user(cliente).is_authenticated


def test_sesion_verificada_pasa(cliente, analista, dispositivo_analista):
    assert iniciar_sesion_verificada(cliente, analista) == dispositivo_analista
    assert cliente.get("/").status_code == 200
    assert cliente.get("/api/v1/yo/").json()["roles_cgii"] == ["analista"]


def test_dispositivo_borrado_cierra_la_sesion(cliente, analista, dispositivo_analista):
    assert iniciar_sesion_verificada(cliente, analista) == dispositivo_analista
    dispositivo_analista.delete()
    assert cliente.get("/").status_code == 302
    assert not get_user(cliente).is_authenticated


def test_usuario_de_entidad_no_necesita_totp(cliente, reportante_a):
    cliente.force_login(reportante_a)
    assert cliente.get("/").status_code == 200


@pytest.mark.parametrize("ruta", ["/cuenta/ingresar/", "/static/cgii/cgii.css"])
def test_rutas_exentas(cliente, analista, ruta):
    cliente.force_login(analista)
    assert cliente.get(ruta).status_code == 200
    assert get_user(cliente).is_authenticated


def test_salir_exento(cliente, analista):
    cliente.force_login(analista)
    r = cliente.post("/cuenta/salir/")
    assert r.status_code == 302 and r["Location"] == "/cuenta/ingresar/"


def test_cadena_sincrona_bajo_asgi(analista, dispositivo_analista, monkeypatch):
    """Under ASGI the chain runs sync in one thread (cgii.middleware.CadenaSincronaMiddleware
    at the bottom), so this middleware takes its sync path, and still logs out an unverified
    staff session."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    from cgii.entidades import middleware

    llamadas = []
    original = middleware.logout

    def logout_espia(request):
        llamadas.append(request.path)
        original(request)

    monkeypatch.setattr(middleware, "logout", logout_espia)
    cliente = AsyncClient()

    async def escenario():
        await cliente.aforce_login(analista)
        respuesta = await cliente.get("/")
        return respuesta, dict(await cliente.asession())

    respuesta, sesion = async_to_sync(escenario)()
    assert respuesta.status_code == 302
    assert respuesta["Location"].startswith("/cuenta/ingresar/")
    assert llamadas == ["/"]
    assert "_auth_user_id" not in sesion


def _vista(request):
    return HttpResponse("ok")


urlpatterns = [path("solo/", _vista)]


@pytest.mark.urls(__name__)
def test_sin_vista_de_ingreso_en_el_urlconf_igual_rechaza(cliente, analista):
    cliente.force_login(analista)
    assert cliente.get("/solo/").status_code == 403
    assert not get_user(cliente).is_authenticated
