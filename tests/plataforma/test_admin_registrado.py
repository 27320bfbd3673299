"""Every model registered in the admin: its list opens for a superuser (no 500 from a
list_display, filter or search field that names something gone), and the records that
only services write (cgii.admin_lectura) cannot be added, edited or deleted there."""

import pytest
from django.contrib import admin
from django.test import Client

from cgii.admin_lectura import SoloLecturaAdmin
from tests.entidades.sesiones import iniciar_sesion_verificada
from tests.factories import crear_usuario

REGISTRADOS = sorted(admin.site._registry.items(), key=lambda par: par[0]._meta.label)


@pytest.fixture
def raiz(db):
    return crear_usuario(username="raiz", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("modelo,modelo_admin", REGISTRADOS,
                         ids=[m._meta.label for m, _a in REGISTRADOS])
def test_la_lista_del_admin_abre(raiz, modelo, modelo_admin):
    cliente = Client()
    iniciar_sesion_verificada(cliente, raiz)
    meta = modelo._meta
    r = cliente.get(f"/admin/{meta.app_label}/{meta.model_name}/", {"q": "x"}
                    if modelo_admin.search_fields else {})
    assert r.status_code == 200, (meta.label, r.status_code)
    if isinstance(modelo_admin, SoloLecturaAdmin):
        assert cliente.get(f"/admin/{meta.app_label}/{meta.model_name}/add/").status_code == 403


def test_los_registros_de_servicios_son_de_solo_lectura():
    solo_lectura = {m._meta.label for m, a in REGISTRADOS if isinstance(a, SoloLecturaAdmin)}
    assert {"auditoria.RegistroAuditoria", "eventos.Evento", "protocolos.RelojSLA",
            "protocolos.CruceSLA", "correo.CorreoEntrante"} <= solo_lectura, solo_lectura
