"""The admin shows the catalog, and each protocol as a state diagram with its steps."""

import pytest

from protocolos.models import Protocolo
from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db


@pytest.fixture
def cliente_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("raiz", "raiz@ejemplo.gob.bo", "x")
    iniciar_sesion_verificada(client, admin)
    return client


def test_diagrama_del_protocolo(cliente_admin, catalogos):
    protocolo = Protocolo.objects.get(codigo="malware", vigente=True)
    r = cliente_admin.get(f"/admin/protocolos/protocolo/{protocolo.pk}/diagrama/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<svg" in html and "En contención" in html
    # Every transition of the FSM is listed with the roles this protocol gives it.
    assert "marcar_duplicado" in html and "sistema" in html
    primer_paso = protocolo.pasos.order_by("orden").first()
    assert primer_paso.titulo in html


@pytest.mark.parametrize("modelo", ["claseincidente", "tipoincidente", "protocolo",
                                    "reglaprioridad", "politicasla", "calendariolaboral",
                                    "dianolaborable", "parametro", "relojsla", "crucesla",
                                    "versioncatalogo"])
def test_listas_del_admin(cliente_admin, catalogos, modelo):
    assert cliente_admin.get(f"/admin/protocolos/{modelo}/").status_code == 200
