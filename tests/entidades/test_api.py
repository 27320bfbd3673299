"""/api/v1/yo/ and /api/v1/tokens/."""

import pytest

from cgii.entidades.models import Membresia, TokenAPI
from cgii.entidades.services import token_crear
from tests.entidades.conftest import con_token

pytestmark = pytest.mark.django_db


def test_yo_con_sesion(api, rsi_a, entidad_a):
    api.force_login(rsi_a)
    cuerpo = api.get("/api/v1/yo/").json()
    assert cuerpo == {
        "id": rsi_a.pk, "username": "rsi_a", "nombre_completo": "",
        "email": "rsi_a@ejemplo.gob.bo", "roles_cgii": [],
        "entidades": [{"id": entidad_a.pk, "sigla": "MPA", "nombre": entidad_a.nombre,
                       "roles": ["rsi"]}],
        "token": None,
    }


def test_crear_listar_y_revocar_tokens(api, reportante_a, entidad_a):
    api.force_login(reportante_a)
    r = api.post("/api/v1/tokens/", {"nombre": "SIEM"}, format="json")
    assert r.status_code == 201, r.content
    creado = r.json()
    clave = creado["clave"]
    assert clave.startswith("cgii_") and creado["prefijo"] == clave[:13]
    assert creado["entidad"]["sigla"] == "MPA" and creado["activo"] is True

    listado = api.get("/api/v1/tokens/").json()
    assert listado["count"] == 1
    assert "clave" not in listado["results"][0]
    assert clave not in str(listado)

    # The new key works, then is revoked through the API.
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 200
    assert api.delete(f"/api/v1/tokens/{creado['id']}/").status_code == 204
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 401
    assert api.get("/api/v1/tokens/").json()["results"][0]["activo"] is False


def test_token_ajeno_es_404(api, reportante_a, reportante_b):
    ajeno, _ = token_crear(usuario=reportante_b, nombre="de B")
    api.force_login(reportante_a)
    r = api.delete(f"/api/v1/tokens/{ajeno.pk}/")
    assert r.status_code == 404
    assert set(r.json()) == {"message", "extra"}
    assert TokenAPI.objects.get(pk=ajeno.pk).activo


def test_entidad_invalida_al_crear(api, reportante_a, entidad_b):
    api.force_login(reportante_a)
    r = api.post("/api/v1/tokens/", {"nombre": "x", "entidad": entidad_b.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["extra"] == {"entidad": ["Entidad no válida."]}
    r = api.post("/api/v1/tokens/", {}, format="json")
    assert r.status_code == 400 and "nombre" in r.json()["extra"]


def test_un_token_no_crea_otros_tokens(api, token_reportante_a):
    _, clave = token_reportante_a
    r = api.post("/api/v1/tokens/", {"nombre": "otro"}, format="json", **con_token(clave))
    assert r.status_code == 403
    assert TokenAPI.objects.count() == 1


def test_token_limitado_solo_lista_y_revoca_su_entidad(api, reportante_a, entidad_a, entidad_b):
    Membresia.objects.create(usuario=reportante_a, entidad=entidad_b, rol="rsi")
    de_a, clave_a = token_crear(usuario=reportante_a, nombre="A", entidad=entidad_a,
                                alcance="escritura")
    de_b, _ = token_crear(usuario=reportante_a, nombre="B", entidad=entidad_b)
    listado = api.get("/api/v1/tokens/", **con_token(clave_a)).json()
    assert [t["id"] for t in listado["results"]] == [de_a.pk]
    assert api.delete(f"/api/v1/tokens/{de_b.pk}/", **con_token(clave_a)).status_code == 404


def test_listado_con_consultas_acotadas(api, reportante_a, django_assert_max_num_queries):
    for n in range(5):
        token_crear(usuario=reportante_a, nombre=f"t{n}")
    api.force_login(reportante_a)
    api.get("/api/v1/tokens/")  # warm-up: content types, session
    with django_assert_max_num_queries(6):
        r = api.get("/api/v1/tokens/")
    assert r.json()["count"] == 5


def test_esquema_documenta_la_autenticacion_y_los_ejemplos(api, db):
    r = api.get("/api/schema/?format=json")
    assert r.status_code == 200
    esquema = r.json()
    esquema_token = esquema["components"]["securitySchemes"]["tokenAPI"]
    assert esquema_token["in"] == "header" and esquema_token["name"] == "Authorization"
    listado = esquema["paths"]["/api/v1/tokens/"]["get"]["responses"]["200"]["content"]
    ejemplo = listado["application/json"]["examples"]["UnToken"]["value"]
    assert ejemplo["results"][0]["prefijo"].startswith("cgii_")
    post = esquema["paths"]["/api/v1/tokens/"]["post"]
    assert "examples" in post["requestBody"]["content"]["application/json"]
    assert "/api/v1/yo/" in esquema["paths"]
    assert "/api/v1/tokens/{id}/" in esquema["paths"]
