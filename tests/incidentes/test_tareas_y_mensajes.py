"""Checklist tasks and communication rules."""

import pytest

from cgii.errores import ErrorValidacion, PermisoDenegado
from incidentes import services
from incidentes.models import EntradaTimeline, Tarea
from tests.factories import crear_usuario

from .utiles import clasificar

pytestmark = pytest.mark.django_db


@pytest.fixture
def clasificado(incidente, analista):
    return clasificar(incidente, analista)


def test_un_paso_que_requiere_nota_no_se_marca_sin_ella(api, clasificado, analista):
    tarea = Tarea.objects.filter(incidente=clasificado, requiere_nota=True,
                                 requiere_evidencia=False).first()
    c = api(analista)
    url = f"/api/v1/incidentes/{clasificado.pk}/tareas/{tarea.pk}/"
    r = c.patch(url, {"estado": "hecha"}, format="json")
    assert r.status_code == 400 and "nota" in r.json()["extra"]
    r = c.patch(url, {"estado": "hecha", "nota": "Cabeceras revisadas: SPF falla."},
                format="json")
    assert r.status_code == 200 and r.json()["estado"] == "hecha"
    assert r.json()["completada_por"] == analista.pk


def test_un_paso_que_requiere_evidencia_exige_una_del_mismo_incidente(clasificado, analista,
                                                                     reportante_a, entidad_a):
    tarea = Tarea.objects.filter(incidente=clasificado, requiere_evidencia=True,
                                 rol="analista").first()
    with pytest.raises(ErrorValidacion):
        services.tarea_actualizar(actor=analista, incidente_id=clasificado.pk, tarea_id=tarea.pk,
                                  estado="hecha", nota="ok")


def test_obligatorio_no_puede_ser_no_aplica(clasificado, analista):
    tarea = Tarea.objects.filter(incidente=clasificado, obligatoria=True).first()
    with pytest.raises(ErrorValidacion):
        services.tarea_actualizar(actor=analista, incidente_id=clasificado.pk, tarea_id=tarea.pk,
                                  estado="no_aplica")


def test_la_entidad_hace_sus_pasos_y_no_los_del_cgii(clasificado, entidad_a, analista):
    rsi = crear_usuario(username="rsi_tareas", entidad=entidad_a, rol_entidad="rsi")
    propia = Tarea.objects.filter(incidente=clasificado, rol="rsi",
                                  requiere_evidencia=False).first()
    ajena = Tarea.objects.filter(incidente=clasificado, rol="analista").first()
    assert propia is not None, "phishing protocol has steps for the entity's RSI"
    services.tarea_actualizar(actor=rsi, incidente_id=clasificado.pk, tarea_id=propia.pk,
                              estado="hecha", nota="Contraseñas cambiadas.")
    with pytest.raises(PermisoDenegado):
        services.tarea_actualizar(actor=rsi, incidente_id=clasificado.pk, tarea_id=ajena.pk,
                                  estado="en_curso")
    entrada = EntradaTimeline.objects.filter(incidente=clasificado, tipo="tarea").last()
    assert entrada.datos["tarea_id"] == propia.pk


def test_la_entidad_no_puede_escribir_comentarios_internos(api, incidente, reportante_a):
    r = api(reportante_a).post(f"/api/v1/incidentes/{incidente.pk}/comentarios/",
                               {"texto": "secreto", "compartido": False}, format="json")
    assert r.status_code == 200
    entrada = EntradaTimeline.objects.get(incidente=incidente, texto="secreto")
    assert entrada.visible_entidad and entrada.tipo == "mensaje"


def test_solo_coordinador_asigna_a_otros(api, incidente, analista, coordinador):
    otro = crear_usuario(username="analista_dos", rol_cgii="analista")
    r = api(analista).post(f"/api/v1/incidentes/{incidente.pk}/asignacion/",
                           {"analista_id": otro.pk}, format="json")
    assert r.status_code == 403
    r = api(analista).post(f"/api/v1/incidentes/{incidente.pk}/asignacion/",
                           {"analista_id": analista.pk}, format="json")
    assert r.status_code == 200 and r.json()["analista"]["id"] == analista.pk
    r = api(coordinador).post(f"/api/v1/incidentes/{incidente.pk}/asignacion/",
                              {"analista_id": otro.pk}, format="json")
    assert r.status_code == 200 and r.json()["analista"]["id"] == otro.pk


def test_cgii_abre_un_incidente_a_nombre_de_la_entidad_y_esta_lo_ve(api, catalogos, analista,
                                                                    entidad_a, reportante_a):
    r = api(analista).post("/api/v1/incidentes/", {
        "entidad": entidad_a.pk, "titulo": "Servidor con webshell",
        "descripcion": "El monitoreo del CGII detectó una webshell.", "origen": "cgii_monitoreo",
        "detectado_en": "2026-11-20T10:00:00-04:00"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["origen"] == "cgii_monitoreo" and r.json()["reportante"]["id"] == analista.pk
    from cgii.eventos.despachador import despachar_pendientes
    from cgii.eventos.models import Notificacion

    despachar_pendientes()
    aviso = Notificacion.objects.get(usuario=reportante_a, tipo="incidente.nuevo")
    assert "abrió" in aviso.texto and aviso.enlace == f"/incidentes/{r.json()['id']}/"
    assert not Notificacion.objects.filter(usuario=analista).exists()  # the actor
    ids = [i["id"] for i in api(reportante_a).get("/api/v1/incidentes/").json()["results"]]
    assert r.json()["id"] in ids


def test_el_auditor_no_modifica_tareas(api, clasificado, auditor):
    tarea = Tarea.objects.filter(incidente=clasificado).first()
    r = api(auditor).patch(f"/api/v1/incidentes/{clasificado.pk}/tareas/{tarea.pk}/",
                           {"nota": "no debería"}, format="json")
    assert r.status_code == 403
    tarea.refresh_from_db()
    assert tarea.nota == ""
