"""Tenant helpers: what each kind of user may see."""

import pytest

from cgii.entidades import selectors
from cgii.entidades.models import Membresia
from tests.factories import crear_entidad, crear_usuario

pytestmark = pytest.mark.django_db


def test_usuario_de_entidad_ve_solo_la_suya(reportante_a, entidad_a, entidad_b):
    assert list(selectors.entidades_visibles(reportante_a)) == [entidad_a]
    assert selectors.puede_ver_entidad(reportante_a, entidad_a.pk)
    assert not selectors.puede_ver_entidad(reportante_a, entidad_b.pk)
    filtrado = selectors.filtrar_por_entidad(Membresia.objects.all(), reportante_a)
    assert {m.entidad_id for m in filtrado} == {entidad_a.pk}


def test_personal_cgii_ve_todas(analista, entidad_a, entidad_b):
    assert selectors.es_personal_cgii(analista)
    assert set(selectors.entidades_visibles(analista)) == {entidad_a, entidad_b}
    assert selectors.puede_ver_entidad(analista, entidad_b.pk)


def test_membresia_inactiva_o_entidad_inactiva_no_cuentan(entidad_a):
    usuario = crear_usuario(entidad=entidad_a)
    Membresia.objects.filter(usuario=usuario).update(activa=False)
    assert not selectors.entidades_visibles(usuario).exists()

    otra = crear_entidad(activa=False)
    usuario2 = crear_usuario(entidad=otra)
    assert selectors.ids_entidades_de(usuario2) == frozenset()


def test_anonimo_no_ve_nada(entidad_a):
    from django.contrib.auth.models import AnonymousUser

    anonimo = AnonymousUser()
    assert not selectors.entidades_visibles(anonimo).exists()
    assert not selectors.requiere_segundo_factor(anonimo)


def test_limitar_a_entidad_recorta_todos_los_selectores(entidad_a, entidad_b):
    usuario = crear_usuario(entidad=entidad_a, rol_entidad="rsi")
    Membresia.objects.create(usuario=usuario, entidad=entidad_b, rol="reportante")
    assert selectors.ids_entidades_de(usuario) == {entidad_a.pk, entidad_b.pk}

    selectors.limitar_a_entidad(usuario, entidad_b.pk)
    assert selectors.ids_entidades_de(usuario) == {entidad_b.pk}
    assert list(selectors.entidades_visibles(usuario)) == [entidad_b]
    visibles = selectors.filtrar_por_entidad(Membresia.objects.all(), usuario)
    assert {m.entidad_id for m in visibles} == {entidad_b.pk}
    assert not selectors.puede_ver_entidad(usuario, entidad_a.pk)
    assert selectors.roles_en_entidad(usuario, entidad_a.pk) == frozenset()


@pytest.mark.parametrize("campos,esperado", [
    ({}, False),
    ({"is_staff": True}, True),
    ({"is_superuser": True}, True),
])
def test_requiere_segundo_factor(campos, esperado, entidad_a):
    usuario = crear_usuario(entidad=entidad_a, **campos)
    assert selectors.requiere_segundo_factor(usuario) is esperado


def test_personal_requiere_segundo_factor(analista, auditor):
    assert selectors.requiere_segundo_factor(analista)
    assert selectors.requiere_segundo_factor(auditor)
