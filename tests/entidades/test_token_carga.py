"""An API token brings its user's roles and, when scoped, that entity's memberships in the
token's own row (issue 22, cgii.entidades.carga_usuario): one query, same answers."""

import pytest

from cgii.entidades.autenticacion import autenticar_clave
from cgii.entidades.models import Membresia
from cgii.entidades.services import token_crear
from tests.factories import crear_entidad, crear_usuario

pytestmark = pytest.mark.django_db


def test_el_token_de_una_entidad_trae_solo_esa_membresia(django_assert_max_num_queries):
    a, b = crear_entidad(), crear_entidad()
    usuario = crear_usuario()
    for entidad in (a, b):
        Membresia.objects.create(usuario=usuario, entidad=entidad, rol="reportante")
    _token, clave = token_crear(usuario=usuario, nombre="t", entidad=a, actor="prueba")
    with django_assert_max_num_queries(2):  # the token's row (+ its last-use mark)
        autenticado, _t = autenticar_clave(clave)
    assert [m.entidad_id for m in autenticado._cgii_membresias] == [a.pk]
    assert autenticado._cgii_membresias[0].entidad.sigla == a.sigla
    assert autenticado._cgii_roles == frozenset()


def test_el_token_del_personal_trae_sus_roles_sin_limitar_entidades():
    analista = crear_usuario(rol_cgii="analista")
    _token, clave = token_crear(usuario=analista, nombre="t", actor="prueba",
                                segundo_factor=True)
    autenticado, _t = autenticar_clave(clave)
    assert autenticado._cgii_roles == frozenset({"analista"})
    assert getattr(autenticado, "_cgii_membresias", None) is None  # read when asked


def test_una_membresia_de_entidad_inactiva_no_cuenta():
    entidad = crear_entidad()
    usuario = crear_usuario()
    Membresia.objects.create(usuario=usuario, entidad=entidad, rol="reportante")
    _token, clave = token_crear(usuario=usuario, nombre="t", entidad=entidad, actor="prueba")
    entidad.activa = False
    entidad.save()
    with pytest.raises(Exception, match="ya no pertenece"):
        autenticar_clave(clave)
