"""Issue 16, finding 9: API tokens expire, have a scope, staff mint them only from a
TOTP-verified session, record their last use, and are listed/revoked on the account page."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cgii.entidades.models import TokenAPI
from cgii.entidades.services import token_crear
from cgii.errores import ErrorValidacion, PermisoDenegado
from tests.entidades.sesiones import iniciar_sesion_verificada
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db


def con(clave: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {clave}")
    return c


def test_vencimiento_por_defecto_y_maximo(settings, reportante_a):
    settings.TOKENS_API_DIAS, settings.TOKENS_API_DIAS_MAXIMO = 30, 60
    token, _c = token_crear(usuario=reportante_a, nombre="x")
    assert timedelta(days=29) < token.expira - timezone.now() <= timedelta(days=30)
    token, _c = token_crear(usuario=reportante_a, nombre="y", dias=60)
    assert token.expira - timezone.now() > timedelta(days=59)
    with pytest.raises(ErrorValidacion) as error:
        token_crear(usuario=reportante_a, nombre="z", dias=61)
    assert "dias" in error.value.extra
    c = APIClient()
    c.force_login(reportante_a)
    r = c.post("/api/v1/tokens/", {"nombre": "lejos", "dias": 61}, format="json")
    assert r.status_code == 400 and "dias" in r.json()["extra"]


def test_token_vencido_da_401(reportante_a):
    token, clave = token_crear(usuario=reportante_a, nombre="x")
    assert con(clave).get("/api/v1/yo/").status_code == 200
    TokenAPI.objects.filter(pk=token.pk).update(expira=timezone.now() - timedelta(seconds=1))
    r = con(clave).get("/api/v1/yo/")
    assert r.status_code == 401 and "venció" in r.json()["message"]


def test_alcance_lectura_no_escribe(catalogos, reportante_a, entidad_a):
    _t, lectura = token_crear(usuario=reportante_a, nombre="lee")
    _t, escritura = token_crear(usuario=reportante_a, nombre="escribe", alcance="escritura")
    datos = {"titulo": "Correo sospechoso", "descripcion": "Un correo pide la clave.",
             "detectado_en": (timezone.now() - timedelta(hours=1)).isoformat()}
    r = con(lectura).post("/api/v1/incidentes/", datos, format="json")
    assert r.status_code == 403 and "solo lectura" in r.json()["message"]
    assert con(lectura).get("/api/v1/incidentes/").status_code == 200
    # A lookup sent by POST is a read.
    r = con(lectura).post("/api/v1/indicadores/buscar/", {"valores": ["203.0.113.9"]},
                          format="json")
    assert r.status_code == 200
    assert con(escritura).post("/api/v1/incidentes/", datos, format="json").status_code == 201


def test_personal_solo_desde_sesion_verificada(analista):
    with pytest.raises(PermisoDenegado):
        token_crear(usuario=analista, nombre="sin totp")
    c = APIClient()
    iniciar_sesion_verificada(c, analista)
    r = c.post("/api/v1/tokens/", {"nombre": "consola", "alcance": "escritura", "dias": 7},
               format="json")
    assert r.status_code == 201
    assert (r.json()["alcance"], r.json()["entidad"]) == ("escritura", None)
    # A staff session that has not passed TOTP never reaches the view (ended: 401).
    c2 = APIClient()
    c2.force_login(analista)
    assert c2.post("/api/v1/tokens/", {"nombre": "x"}, format="json").status_code == 401
    assert TokenAPI.objects.count() == 1


def test_ultimo_uso_y_listado(reportante_a):
    token, clave = token_crear(usuario=reportante_a, nombre="x")
    assert token.ultimo_uso is None
    con(clave).get("/api/v1/yo/")
    token.refresh_from_db()
    assert token.ultimo_uso is not None
    fila = con(clave).get("/api/v1/tokens/").json()["results"][0]
    assert fila["ultimo_uso"] and fila["expira"] and fila["alcance"] == "lectura"


def test_pagina_de_cuenta_lista_crea_y_revoca(reportante_a, reportante_b):
    ajeno, _c = token_crear(usuario=reportante_b, nombre="de B")
    c = Client()
    c.force_login(reportante_a)
    r = c.post("/cuenta/", {"accion": "crear", "nombre": "SIEM", "alcance": "lectura",
                            "dias": "10"})
    assert r.status_code == 200
    token = TokenAPI.objects.get(usuario=reportante_a)
    clave = r.context["creado"]["clave"]
    assert clave in r.content.decode() and token.prefijo in clave
    assert timedelta(days=9) < token.expira - timezone.now() <= timedelta(days=10)
    pagina = c.get("/cuenta/").content.decode()
    assert "SIEM" in pagina and clave not in pagina and "de B" not in pagina
    assert "nunca" in pagina   # last use
    assert c.post("/cuenta/", {"accion": "revocar", "token": ajeno.pk}).status_code == 404
    r = c.post("/cuenta/", {"accion": "revocar", "token": token.pk})
    assert r.status_code == 302
    token.refresh_from_db()
    ajeno.refresh_from_db()
    assert token.revocado_en is not None and ajeno.revocado_en is None
    # Over the maximum: the form says why, nothing is created.
    r = c.post("/cuenta/", {"accion": "crear", "nombre": "largo", "alcance": "lectura",
                            "dias": "9999"})
    assert r.status_code == 200 and r.context["form"].errors
    assert TokenAPI.objects.filter(usuario=reportante_a).count() == 1


def test_cuenta_del_personal(analista):
    c = Client()
    iniciar_sesion_verificada(c, analista)
    r = c.post("/cuenta/", {"accion": "crear", "nombre": "consola", "alcance": "escritura",
                            "dias": "1"})
    assert r.status_code == 200 and r.context["creado"]
    assert TokenAPI.objects.get(usuario=analista).entidad is None


def test_comando_exige_vigencia_explicita(reportante_a, entidad_a):
    salida, errores = StringIO(), StringIO()
    with pytest.raises(CommandError, match="--dias"):
        call_command("token_api", "reportante_a", stdout=salida, stderr=errores)
    call_command("token_api", "reportante_a", "--dias", "5", "--alcance", "escritura",
                 stdout=salida, stderr=errores)
    token = TokenAPI.objects.get()
    assert token.alcance == "escritura"
    assert timedelta(days=4) < token.expira - timezone.now() <= timedelta(days=5)
    assert "vence" in errores.getvalue()


def test_comando_crea_token_de_personal(analista):
    salida = StringIO()
    call_command("token_api", "analista", "--dias", "1", stdout=salida, stderr=StringIO())
    assert TokenAPI.objects.get(usuario=analista).entidad is None


def test_reportar_sigue_funcionando_con_token_de_escritura(catalogos, reportante_a, entidad_a):
    # The write scope is what an integration that reports incidents needs.
    reportar(reportante_a, entidad_a)
    _t, clave = token_crear(usuario=reportante_a, nombre="w", alcance="escritura")
    assert con(clave).get("/api/v1/incidentes/").json()["count"] == 1
