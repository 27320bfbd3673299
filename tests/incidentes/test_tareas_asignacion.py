"""Issue 16, finding 4: a task is assigned only to CGII staff or to an active user of the
incident's own entity — enforced in the service (every door), answered 400 otherwise."""

import pytest

from cgii.errores import ErrorValidacion
from incidentes import services
from incidentes.models import Tarea
from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario
from tests.incidentes.utiles import clasificar, reportar

pytestmark = pytest.mark.django_db


@pytest.fixture
def tarea(catalogos, reportante_a, entidad_a, analista):
    incidente = reportar(reportante_a, entidad_a)
    clasificar(incidente, analista)
    return Tarea.objects.filter(incidente=incidente).first()


def _asignar(analista, tarea, usuario_id):
    return services.tarea_actualizar(actor=analista, incidente_id=tarea.incidente_id,
                                     tarea_id=tarea.pk, asignado_id=usuario_id)


def test_personal_y_usuarios_de_la_entidad(tarea, analista, coordinador, rsi_a):
    assert _asignar(analista, tarea, coordinador.pk).asignado_id == coordinador.pk
    assert _asignar(analista, tarea, rsi_a.pk).asignado_id == rsi_a.pk


@pytest.mark.parametrize("quien", ["otra_entidad", "inexistente", "inactivo", "sin_entidad"])
def test_nadie_mas(tarea, analista, reportante_b, entidad_a, quien):
    usuario_id = {
        "otra_entidad": lambda: reportante_b.pk,
        "inexistente": lambda: 987654,
        "inactivo": lambda: crear_usuario(entidad=entidad_a, is_active=False).pk,
        "sin_entidad": lambda: crear_usuario().pk,
    }[quien]()
    with pytest.raises(ErrorValidacion) as error:
        _asignar(analista, tarea, usuario_id)
    assert "asignado_id" in error.value.extra
    tarea.refresh_from_db()
    assert tarea.asignado_id is None


def test_por_la_api_400_con_mensaje(tarea, analista, reportante_b):
    from rest_framework.test import APIClient

    c = ingresar(APIClient(), analista)
    url = f"/api/v1/incidentes/{tarea.incidente_id}/tareas/{tarea.pk}/"
    r = c.patch(url, {"asignado_id": reportante_b.pk}, format="json")
    assert r.status_code == 400
    assert "entidad del incidente" in r.json()["extra"]["asignado_id"][0]
    assert c.patch(url, {"asignado_id": 987654}, format="json").status_code == 400
