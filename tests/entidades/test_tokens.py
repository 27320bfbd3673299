"""API tokens: hashed storage, scoping, Token/Bearer, revocation, last use."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.auditoria.models import RegistroAuditoria
from cgii.entidades.models import Membresia, TokenAPI
from cgii.entidades.services import token_crear, token_revocar
from cgii.errores import ErrorValidacion, PermisoDenegado
from tests.entidades.conftest import con_token
from tests.factories import crear_usuario

pytestmark = pytest.mark.django_db


def test_solo_se_guarda_el_hash(reportante_a):
    token, clave = token_crear(usuario=reportante_a, nombre="SIEM")
    assert clave.startswith("cgii_") and len(clave) > 40
    token.refresh_from_db()
    assert token.hash == hashlib.sha256(clave.encode()).hexdigest()
    assert token.prefijo == clave[5:13]
    valores = TokenAPI.objects.filter(pk=token.pk).values().get()
    assert all(clave not in str(v) for v in valores.values())
    # Nor in the audit trail.
    assert all(clave not in str(r.despues) + str(r.datos) for r in RegistroAuditoria.objects.all())


def test_crear_y_revocar_dejan_auditoria(reportante_a):
    token, _ = token_crear(usuario=reportante_a, nombre="SIEM")
    token_revocar(token=token, actor=reportante_a)
    acciones = list(RegistroAuditoria.objects.filter(objeto_id=str(token.pk))
                    .order_by("secuencia").values_list("accion", "entidad_id"))
    assert acciones == [("token_api.crear", token.entidad_id), ("token_api.revocar", token.entidad_id)]


def test_token_de_entidad_se_limita_a_su_unica_entidad(reportante_a, entidad_a):
    token, _ = token_crear(usuario=reportante_a, nombre="x")
    assert token.entidad == entidad_a


def test_token_de_personal_no_tiene_entidad(analista, entidad_a):
    token, _ = token_crear(usuario=analista, nombre="consola", segundo_factor=True)
    assert token.entidad is None
    with pytest.raises(ErrorValidacion):
        token_crear(usuario=analista, nombre="x", entidad=entidad_a, segundo_factor=True)


def test_varias_entidades_exigen_elegir(reportante_a, entidad_a, entidad_b):
    Membresia.objects.create(usuario=reportante_a, entidad=entidad_b, rol="rsi")
    with pytest.raises(ErrorValidacion) as error:
        token_crear(usuario=reportante_a, nombre="x")
    assert error.value.extra == {"entidad": ["GMPB", "MPA"]}
    token, _ = token_crear(usuario=reportante_a, nombre="x", entidad=entidad_b)
    assert token.entidad == entidad_b


def test_entidad_ajena_o_sin_entidad_se_rechaza(reportante_a, entidad_b, db):
    with pytest.raises(ErrorValidacion):
        token_crear(usuario=reportante_a, nombre="x", entidad=entidad_b)
    with pytest.raises(ErrorValidacion):
        token_crear(usuario=crear_usuario(), nombre="x")
    with pytest.raises(ErrorValidacion):
        token_crear(usuario=reportante_a, nombre="   ")


def test_solo_el_dueno_o_un_administrador_revoca(reportante_a, reportante_b):
    token, _ = token_crear(usuario=reportante_a, nombre="x")
    with pytest.raises(PermisoDenegado):
        token_revocar(token=token, actor=reportante_b)
    admin = crear_usuario(rol_cgii="administrador")
    assert token_revocar(token=token, actor=admin).revocado_en is not None
    # Idempotent: a second revocation neither fails nor writes a second audit row.
    antes = RegistroAuditoria.objects.count()
    token_revocar(token=token, actor=admin)
    assert RegistroAuditoria.objects.count() == antes


@pytest.mark.parametrize("palabra", ["Token", "Bearer", "bearer"])
def test_token_y_bearer_autentican(api, token_reportante_a, palabra):
    _, clave = token_reportante_a
    r = api.get("/api/v1/yo/", **con_token(clave, palabra))
    assert r.status_code == 200, r.content
    assert r.json()["username"] == "reportante_a"


def test_clave_invalida_da_401_en_castellano(api, token_reportante_a):
    _, clave = token_reportante_a
    r = api.get("/api/v1/yo/", **con_token(clave[:-1] + ("A" if clave[-1] != "A" else "B")))
    assert r.status_code == 401
    assert r.json() == {"message": "Token inválido.", "extra": {"code": "authentication_failed"}}
    assert r["WWW-Authenticate"].startswith("Token")
    assert api.get("/api/v1/yo/", HTTP_AUTHORIZATION="Token").status_code == 401
    assert api.get("/api/v1/yo/", HTTP_AUTHORIZATION="Token a b").status_code == 401


def test_sin_credenciales_da_401(api, db):
    r = api.get("/api/v1/yo/")
    assert r.status_code == 401
    assert set(r.json()) == {"message", "extra"}


def test_token_revocado_da_401(api, token_reportante_a, reportante_a):
    token, clave = token_reportante_a
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 200
    token_revocar(token=token, actor=reportante_a)
    r = api.get("/api/v1/yo/", **con_token(clave))
    assert r.status_code == 401
    assert r.json()["message"] == "El token fue revocado."


def test_usuario_inactivo_da_401(api, token_reportante_a, reportante_a):
    _, clave = token_reportante_a
    reportante_a.is_active = False
    reportante_a.save()
    r = api.get("/api/v1/yo/", **con_token(clave))
    assert r.status_code == 401
    assert "inactivo" in r.json()["message"]


def test_salida_de_la_entidad_invalida_el_token(api, token_reportante_a, reportante_a):
    _, clave = token_reportante_a
    Membresia.objects.filter(usuario=reportante_a).update(activa=False)
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 401


def test_token_sin_entidad_de_quien_ya_no_es_personal_da_401(api, analista):
    _, clave = token_crear(usuario=analista, nombre="x", segundo_factor=True)
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 200
    analista.groups.clear()
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 401


def test_token_limita_la_solicitud_a_su_entidad(api, reportante_a, entidad_a, entidad_b):
    Membresia.objects.create(usuario=reportante_a, entidad=entidad_b, rol="rsi")
    _, clave = token_crear(usuario=reportante_a, nombre="solo B", entidad=entidad_b)
    cuerpo = api.get("/api/v1/yo/", **con_token(clave)).json()
    assert [e["sigla"] for e in cuerpo["entidades"]] == ["GMPB"]
    assert cuerpo["entidades"][0]["roles"] == ["rsi"]
    assert cuerpo["token"] == {"prefijo": f"cgii_{clave[5:13]}", "entidad": "GMPB"}
    # The same user through a session sees both entities.
    api.force_login(reportante_a)
    assert {e["sigla"] for e in api.get("/api/v1/yo/").json()["entidades"]} == {"MPA", "GMPB"}


def test_personal_con_token_ve_todo(api, analista, entidad_a):
    _, clave = token_crear(usuario=analista, nombre="x", segundo_factor=True)
    cuerpo = api.get("/api/v1/yo/", **con_token(clave)).json()
    assert cuerpo["roles_cgii"] == ["analista"]
    assert cuerpo["token"]["entidad"] is None


def test_ultimo_uso_se_escribe_a_lo_sumo_una_vez_por_minuto(api, token_reportante_a):
    token, clave = token_reportante_a
    assert api.get("/api/v1/yo/", **con_token(clave)).status_code == 200
    token.refresh_from_db()
    primero = token.ultimo_uso
    assert primero is not None
    api.get("/api/v1/yo/", **con_token(clave))
    token.refresh_from_db()
    assert token.ultimo_uso == primero

    TokenAPI.objects.filter(pk=token.pk).update(ultimo_uso=primero - timedelta(minutes=2))
    api.get("/api/v1/yo/", **con_token(clave))
    token.refresh_from_db()
    assert token.ultimo_uso > primero - timedelta(seconds=1)
    assert token.ultimo_uso <= timezone.now()
