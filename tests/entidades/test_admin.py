"""The Django admin: no way around TOTP, Spanish labels, tokens never shown in full."""

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.models import Group

from cgii.entidades.models import TokenAPI
from cgii.entidades.services import token_crear
from tests.entidades.sesiones import iniciar_sesion_verificada
from tests.factories import crear_usuario

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrador(db):
    return crear_usuario(username="admin", rol_cgii="administrador", is_staff=True,
                         is_superuser=True)


@pytest.fixture
def cliente_admin(cliente, administrador):
    iniciar_sesion_verificada(cliente, administrador)
    return cliente


def test_grupos_del_personal_existen_con_permisos(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "analista", "coordinador", "auditor", "administrador"}
    admin = Group.objects.get(name="administrador")
    assert admin.permissions.filter(codename="change_tokenapi").exists()
    assert Group.objects.get(name="auditor").permissions.filter(codename="view_entidad").exists()


def test_login_del_admin_redirige_al_nuestro(cliente, db):
    r = cliente.get("/admin/login/?next=/admin/entidades/entidad/")
    assert r.status_code == 302
    assert r["Location"] == "/cuenta/ingresar/?next=/admin/entidades/entidad/"
    # Its form cannot be used to log in with a password only.
    r = cliente.post("/admin/login/", {"username": "x", "password": "y"})
    assert r.status_code == 302 and r["Location"].startswith("/cuenta/ingresar/")


def test_admin_sin_sesion_termina_en_nuestro_login(cliente, db):
    r = cliente.get("/admin/", follow=True)
    assert r.redirect_chain[-1][0] == "/cuenta/ingresar/?next=/admin/"


def test_admin_con_sesion_sin_permiso_no_hace_bucle(cliente, reportante_a):
    cliente.force_login(reportante_a)
    assert cliente.get("/admin/login/").status_code == 403


def test_admin_sin_totp_no_entra(cliente, administrador):
    cliente.force_login(administrador)
    r = cliente.get("/admin/")
    assert r.status_code == 302
    assert not get_user(cliente).is_authenticated


@pytest.mark.parametrize("ruta", [
    "/admin/", "/admin/entidades/usuario/", "/admin/entidades/entidad/",
    "/admin/entidades/entidad/?nivel__exact=central&critica__exact=1&q=MPA",
    "/admin/entidades/membresia/", "/admin/entidades/tokenapi/",
])
def test_paginas_del_admin(cliente_admin, ruta, reportante_a):
    r = cliente_admin.get(ruta)
    assert r.status_code == 200


def test_ficha_de_usuario_con_membresias(cliente_admin, reportante_a):
    r = cliente_admin.get(f"/admin/entidades/usuario/{reportante_a.pk}/change/")
    assert r.status_code == 200
    assert "Membresías" in r.content.decode() or "membresías" in r.content.decode()


def test_token_en_admin_sin_hash_completo_y_revocable(cliente_admin, reportante_a):
    token, clave = token_crear(usuario=reportante_a, nombre="SIEM")
    r = cliente_admin.get(f"/admin/entidades/tokenapi/{token.pk}/change/")
    texto = r.content.decode()
    assert r.status_code == 200
    assert token.hash not in texto and clave not in texto
    assert token.hash[:10] in texto
    assert cliente_admin.get("/admin/entidades/tokenapi/add/").status_code == 403

    r = cliente_admin.post("/admin/entidades/tokenapi/", {
        "action": "revocar", "_selected_action": [token.pk]}, follow=True)
    assert "Se revocó 1 token." in r.content.decode()
    token.refresh_from_db()
    assert token.revocado_en is not None
    assert TokenAPI.objects.get(pk=token.pk).hash == token.hash


def test_alta_de_usuario_desde_el_admin(cliente_admin, entidad_a):
    from cgii.entidades.models import Usuario

    r = cliente_admin.post("/admin/entidades/usuario/add/", {
        "username": "nuevo.rsi", "password1": "Una-Clave-Larga-2026", "password2":
        "Una-Clave-Larga-2026", "usable_password": "true",
        "membresias-TOTAL_FORMS": "1", "membresias-INITIAL_FORMS": "0",
        "membresias-0-entidad": entidad_a.pk, "membresias-0-rol": "rsi",
        "membresias-0-activa": "on",
    })
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    nuevo = Usuario.objects.get(username="nuevo.rsi")
    assert nuevo.check_password("Una-Clave-Larga-2026")
    assert list(nuevo.membresias.values_list("rol", flat=True)) == ["rsi"]
