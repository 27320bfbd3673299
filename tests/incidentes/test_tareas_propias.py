"""Analysts' own tasks beside the protocol steps and «Mis tareas» (issue 18)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import ErrorValidacion, PermisoDenegado
from incidentes.models import EntradaTimeline, Tarea
from incidentes.services import tareas as servicio
from tests.factories import crear_usuario

from .paginas import cliente
from .utiles import clasificar

pytestmark = pytest.mark.django_db


def _crear(c, incidente, **datos):
    return c.post(f"/api/v1/incidentes/{incidente.pk}/tareas-propias/", datos, format="json")


def test_el_analista_agrega_una_tarea_con_responsable_y_plazo(api, incidente, analista,
                                                              coordinador):
    vence = timezone.now() + timedelta(days=1)
    r = _crear(api(analista), incidente, titulo="Pedir logs del proxy",
               asignado_id=coordinador.pk, vence_en=vence.isoformat())
    assert r.status_code == 201, r.content
    tarea = Tarea.objects.get(pk=r.json()["id"])
    assert tarea.propia and not tarea.obligatoria and tarea.asignado == coordinador
    fila = EntradaTimeline.objects.filter(incidente=incidente, tipo="tarea").last()
    assert not fila.visible_entidad and "Pedir logs del proxy" in fila.texto
    assert RegistroAuditoria.objects.filter(accion="incidente.tarea_crear").exists()
    # «Mis tareas» of the assignee (API), not of the creator.
    mias = api(coordinador).get("/api/v1/mis-tareas/").json()["results"]
    assert [t["titulo"] for t in mias] == ["Pedir logs del proxy"]
    assert api(analista).get("/api/v1/mis-tareas/").json()["results"] == []
    # The protocol checklist is untouched by it.
    detalle = api(analista).get(f"/api/v1/incidentes/{incidente.pk}/").json()
    assert all(t["titulo"] != "Pedir logs del proxy" for t in detalle["tareas"])


def test_reglas_de_responsable_y_de_quien_crea(api, incidente, analista, reportante_a,
                                               reportante_b):
    # Entity users never create; a task that is not shared never goes to the entity.
    assert _crear(api(reportante_a), incidente, titulo="x").status_code == 403
    r = _crear(api(analista), incidente, titulo="Revisar", asignado_id=reportante_a.pk)
    assert r.status_code == 400 and "asignado_id" in r.json()["extra"]
    # Shared: the incident's own entity only, never another entity's user.
    r = _crear(api(analista), incidente, titulo="Revisar", asignado_id=reportante_b.pk,
               compartida=True)
    assert r.status_code == 400
    with pytest.raises(ErrorValidacion):
        servicio.tarea_crear(actor=analista, incidente_id=incidente.pk, titulo="  ")


def test_tarea_compartida_la_ve_la_entidad_y_solo_su_responsable_la_cambia(
        api, incidente, analista, reportante_a, rsi_a, reportante_b, entidad_a):
    interna = servicio.tarea_crear(actor=analista, incidente_id=incidente.pk,
                                   titulo="Correlacionar con el SOC")
    r = _crear(api(analista), incidente, titulo="Enviar cabeceras del correo",
               asignado_id=reportante_a.pk, compartida=True)
    assert r.status_code == 201
    compartida = r.json()["id"]
    fila = EntradaTimeline.objects.filter(incidente=incidente, tipo="tarea").last()
    assert fila.visible_entidad

    # The entity's users see the shared task only, in the incident and in «Mis tareas».
    vistas = api(rsi_a).get(f"/api/v1/incidentes/{incidente.pk}/tareas-propias/").json()
    assert [t["id"] for t in vistas] == [compartida]
    assert [t["id"] for t in api(rsi_a).get("/api/v1/mis-tareas/").json()["results"]] == [
        compartida]
    url = f"/api/v1/incidentes/{incidente.pk}/tareas-propias/"
    assert api(reportante_a).patch(f"{url}{interna.pk}/", {"estado": "hecha"},
                                   format="json").status_code == 404
    # Another user of the entity reads it but does not change it; the assignee does.
    assert api(rsi_a).patch(f"{url}{compartida}/", {"estado": "hecha"},
                            format="json").status_code == 403
    r = api(reportante_a).patch(f"{url}{compartida}/", {"titulo": "otro"}, format="json")
    assert r.status_code == 403
    r = api(reportante_a).patch(f"{url}{compartida}/", {"estado": "hecha", "nota": "Enviadas."},
                                format="json")
    assert r.status_code == 200 and r.json()["estado"] == "hecha"
    # Another entity: nothing at all.
    assert api(reportante_b).get("/api/v1/mis-tareas/").json()["results"] == []
    assert api(reportante_b).patch(f"{url}{compartida}/", {"estado": "pendiente"},
                                   format="json").status_code == 404


def test_reclasificar_no_borra_las_tareas_propias_ni_bloquean_el_avance(incidente, analista):
    tarea = servicio.tarea_crear(actor=analista, incidente_id=incidente.pk, titulo="Propia")
    clasificar(incidente, analista)
    clasificar(incidente, analista, tipo="sistema-infectado")
    assert Tarea.objects.filter(pk=tarea.pk).exists()
    assert not incidente.pasos_obligatorios_pendientes({"propias"})


def test_el_auditor_no_crea_ni_cambia(incidente, analista, auditor):
    tarea = servicio.tarea_crear(actor=analista, incidente_id=incidente.pk, titulo="Propia")
    with pytest.raises(PermisoDenegado):
        servicio.tarea_crear(actor=auditor, incidente_id=incidente.pk, titulo="x")
    with pytest.raises(PermisoDenegado):
        servicio.tarea_propia_actualizar(actor=auditor, incidente_id=incidente.pk,
                                         tarea_id=tarea.pk, estado="hecha")


def test_pagina_mis_tareas_para_personal_y_entidad_sin_consultas_por_fila(
        catalogos, incidente, analista, reportante_a, entidad_a, django_assert_max_num_queries):
    for i in range(3):
        servicio.tarea_crear(actor=analista, incidente_id=incidente.pk, titulo=f"Mía {i}",
                             asignado_id=analista.pk)
        servicio.tarea_crear(actor=analista, incidente_id=incidente.pk, titulo=f"Entidad {i}",
                             asignado_id=reportante_a.pk, compartida=True)
    c = cliente(analista)
    c.get("/incidentes/mis-tareas/")
    with django_assert_max_num_queries(25):
        html = c.get("/incidentes/mis-tareas/").content.decode()
    assert html.count("data-tarea-id") == 3 and "Mía 2" in html and "Entidad 0" not in html
    assert 'href="/incidentes/mis-tareas/"' in html   # in the one navigation
    c = cliente(reportante_a)
    html = c.get("/incidentes/mis-tareas/").content.decode()
    assert html.count("data-tarea-id") == 3 and "Mía" not in html
    assert 'href="/incidentes/mis-tareas/"' in html
    # Done from the page, back to the page.
    tarea = Tarea.objects.get(titulo="Entidad 1")
    r = c.post(f"/incidentes/{incidente.pk}/accion/tarea_propia/",
               {"tarea_id": tarea.pk, "estado": "hecha", "volver": "/incidentes/mis-tareas/"})
    assert r.status_code == 302 and r["Location"] == "/incidentes/mis-tareas/"
    tarea.refresh_from_db()
    assert tarea.estado == "hecha" and tarea.completada_por == reportante_a


def test_el_detalle_agrega_tareas_desde_la_pagina(incidente, analista, reportante_a):
    c = cliente(analista)
    html = c.get(f"/incidentes/{incidente.pk}/").content.decode()
    assert 'id="tareas-propias"' in html
    r = c.post(f"/incidentes/{incidente.pk}/accion/tarea_nueva/", {
        "titulo": "Confirmar bloqueo en el firewall", "asignado_id": reportante_a.pk,
        "compartida": "1", "vence_en": "2030-01-02T10:00"})
    assert r.status_code == 302
    tarea = Tarea.objects.get(titulo="Confirmar bloqueo en el firewall")
    assert tarea.compartida and tarea.vence_en.hour == 14   # 10:00 La Paz = 14:00 UTC
    html = cliente(reportante_a).get(f"/incidentes/{incidente.pk}/").content.decode()
    assert "Confirmar bloqueo en el firewall" in html and "Marcar hecha" in html
    otro = crear_usuario(username="otro_a", entidad=incidente.entidad, rol_entidad="reportante")
    html = cliente(otro).get(f"/incidentes/{incidente.pk}/").content.decode()
    assert "Confirmar bloqueo en el firewall" in html and "Marcar hecha" not in html
