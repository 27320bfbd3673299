"""An entity user never reaches another entity's incident: 404 on every door."""

import pytest

from incidentes import services
from tests.factories import crear_usuario

from .utiles import reportar

pytestmark = pytest.mark.django_db


@pytest.fixture
def ajeno(incidente, analista):
    """Entity A's incident with a task, an evidence file and an internal comment."""
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto="nota interna", compartido=False)
    return incidente


def test_404_en_todas_las_rutas(api, ajeno, reportante_b):
    c = api(reportante_b)
    base = f"/api/v1/incidentes/{ajeno.pk}"
    lecturas = ["/", "/timeline/", "/evidencias/", "/evidencias/1/descarga/"]
    for ruta in lecturas:
        assert c.get(base + ruta).status_code == 404, ruta
    escrituras = {
        "/transiciones/": {"transicion": "responder_entidad"},
        "/clasificacion/": {"tipo": "phishing", "impacto": 2, "urgencia": 2},
        "/asignacion/": {"analista_id": None},
        "/comentarios/": {"texto": "hola"},
        "/solicitudes/": {"pregunta": "?"},
        "/respuestas/": {"respuesta": "!"},
        "/confirmacion/": {},
    }
    for ruta, cuerpo in escrituras.items():
        r = c.post(base + ruta, cuerpo, format="json")
        assert r.status_code in (403, 404), ruta
        if ruta in ("/transiciones/", "/comentarios/", "/respuestas/", "/confirmacion/"):
            assert r.status_code == 404, ruta
    assert c.patch(base + "/tareas/1/", {"estado": "hecha"}, format="json").status_code == 404
    r = c.post(base + "/evidencias/", {"archivo": b"x"}, format="multipart")
    assert r.status_code == 404
    assert c.get(f"/incidentes/{ajeno.pk}/").status_code == 404


def test_la_lista_y_el_filtro_por_entidad_no_muestran_lo_ajeno(api, ajeno, reportante_b,
                                                              entidad_b, entidad_a):
    propio = reportar(reportante_b, entidad_b)
    c = api(reportante_b)
    ids = [i["id"] for i in c.get("/api/v1/incidentes/").json()["results"]]
    assert ids == [propio.pk]
    assert c.get(f"/api/v1/incidentes/?entidad={entidad_a.pk}").json()["results"] == []
    r = c.get(f"/api/v1/incidentes/?q={ajeno.codigo}")
    assert r.json()["results"] == []


def test_no_puede_reportar_a_nombre_de_otra_entidad(api, catalogos, reportante_b, entidad_a):
    r = api(reportante_b).post("/api/v1/incidentes/", {
        "entidad": entidad_a.pk, "titulo": "x", "descripcion": "y",
        "detectado_en": "2026-11-20T10:00:00-04:00"}, format="json")
    assert r.status_code == 404


def test_la_entidad_no_ve_lo_interno(api, ajeno, reportante_a, analista):
    services.incidente_comentar(actor=analista, incidente_id=ajeno.pk, texto="mensaje público")
    c = api(reportante_a)
    textos = [e["texto"] for e in c.get(f"/api/v1/incidentes/{ajeno.pk}/").json()["timeline"]]
    assert "mensaje público" in textos and "nota interna" not in textos
    textos = [e["texto"] for e in
              c.get(f"/api/v1/incidentes/{ajeno.pk}/timeline/").json()["results"]]
    assert "nota interna" not in textos
    # Staff see both.
    textos = [e["texto"] for e in api(analista).get(
        f"/api/v1/incidentes/{ajeno.pk}/").json()["timeline"]]
    assert {"mensaje público", "nota interna"} <= set(textos)


def test_usuario_de_dos_entidades_ve_ambas(api, catalogos, entidad_a, entidad_b, reportante_a,
                                          reportante_b):
    ambos = crear_usuario(username="consultor", entidad=entidad_a, rol_entidad="rsi")
    from cgii.entidades.models import Membresia

    Membresia.objects.create(usuario=ambos, entidad=entidad_b, rol="rsi")
    a = reportar(reportante_a, entidad_a)
    b = reportar(reportante_b, entidad_b)
    ids = {i["id"] for i in api(ambos).get("/api/v1/incidentes/").json()["results"]}
    assert ids == {a.pk, b.pk}
