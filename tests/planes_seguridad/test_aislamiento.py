"""An entity never reaches another entity's plan: 404 on every PISI route, for every
method, and nothing of it in lists or filters."""

import re

import pytest
from django.urls import URLPattern

from planes_seguridad import services
from planes_seguridad.api import urls as rutas_api
from tests.factories import crear_usuario

from .utiles import llevar_a, pdf

pytestmark = pytest.mark.django_db

CUERPOS = {"post": {"transicion": "presentar", "comentario": "x", "catalogo": "iso27002-2022",
                    "gestion": 2027, "titulo": "x", "url": "https://x.gob.bo",
                    "inicio_planificado": "2027-01-01", "fin_planificado": "2027-01-02",
                    "accion": "aprobar", "control": "5.1.1", "resultado": "cumple",
                    "revisiones": [{"control": "5.1.1", "resultado": "cumple"}],
                    "grado": "observacion", "descripcion": "x"},
           "patch": {"alcance": "x", "madurez": 1, "avance": 10, "causa_raiz": "x",
                     "cambios": [{"control": "5.1.1", "madurez": 1}]},
           "delete": None, "get": None}


@pytest.fixture
def ajeno(plan, rsi_a, auditor):
    """Entity A's plan in force, with everything a route can point at."""
    activo = services.activo_crear(actor=rsi_a, plan_id=plan.pk, nombre="Correo",
                                   tipo="servicio", propietario="Sistemas",
                                   clasificacion="interna", valor_c=3, valor_i=3, valor_d=3)
    riesgo = services.riesgo_crear(actor=rsi_a, plan_id=plan.pk, activo=activo.codigo,
                                   amenaza="A.30", probabilidad=2, impacto=2,
                                   tratamiento="mitigar", controles=["5.1.1"],
                                   probabilidad_residual=1, impacto_residual=1)
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    observacion = services.observacion_registrar(actor=auditor, plan_id=plan.pk,
                                                 seccion="general", texto="x")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar")
    services.observacion_responder(actor=rsi_a, plan_id=plan.pk,
                                   observacion_id=observacion.pk, respuesta="y")
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    act = services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Inventario",
                                   inicio_planificado="2027-01-01", fin_planificado="2027-02-01")
    ev = services.evidencia_subir(actor=rsi_a, plan_id=plan.pk, archivo=pdf(), control="5.1.1")
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    h = services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="observacion",
                                    descripcion="x", control="5.1.1")
    return {"pk": plan.pk, "actividad_id": act.pk, "evidencia_id": ev.pk,
            "periodo_id": periodo.pk, "hallazgo_id": h.pk, "fila_id": plan.soa.first().pk,
            "tipo": "politica", "plan": plan, "activo_id": activo.pk, "riesgo_id": riesgo.pk,
            "observacion_id": observacion.pk}


def _rutas_de_plan(ids):
    for patron in rutas_api.urlpatterns:
        assert isinstance(patron, URLPattern)
        plantilla = str(patron.pattern)
        if "<int:pk>" not in plantilla:
            continue
        url = "/api/v1/" + re.sub(r"<(?:int|str):(\w+)>", lambda m: str(ids[m.group(1)]),
                                  plantilla)
        vista = patron.callback.view_class
        metodos = [m for m in ("get", "post", "patch", "delete") if hasattr(vista, m)]
        yield url, metodos


@pytest.mark.parametrize("quien", ["reportante_b", "rsi_b"])
def test_404_en_todas_las_rutas_y_metodos(api, ajeno, quien, reportante_b, rsi_b):
    c = api({"reportante_b": reportante_b, "rsi_b": rsi_b}[quien])
    probadas = 0
    for url, metodos in _rutas_de_plan(ajeno):
        for metodo in metodos:
            cuerpo = CUERPOS[metodo]
            if metodo in ("post", "patch") and ("documentos" in url or url.endswith(
                    "/evidencias/")):
                r = getattr(c, metodo)(url, {"archivo": pdf()}, format="multipart")
            elif cuerpo is None:
                r = getattr(c, metodo)(url)
            else:
                r = getattr(c, metodo)(url, cuerpo, format="json")
            assert r.status_code == 404, (metodo, url, r.status_code, r.content[:200])
            probadas += 1
    assert probadas >= 35


def test_listas_y_filtros_no_muestran_lo_ajeno(api, ajeno, rsi_b, entidad_b, entidad_a):
    from .utiles import crear_plan

    propio = crear_plan(rsi_b, entidad_b)
    c = api(rsi_b)
    assert [p["id"] for p in c.get("/api/v1/pisi/planes/").json()["results"]] == [propio.pk]
    assert c.get(f"/api/v1/pisi/planes/?entidad={entidad_a.pk}").json()["results"] == []
    codigo = ajeno["plan"].codigo_verificacion
    assert c.get(f"/api/v1/pisi/planes/?q={codigo}").json()["results"] == []
    assert c.get("/api/v1/pisi/planes/?q=MPA").json()["results"] == []


def test_no_crea_planes_para_otra_entidad(api, catalogos_pisi, rsi_b, entidad_a):
    r = api(rsi_b).post("/api/v1/pisi/planes/", {"entidad": entidad_a.pk, "gestion": 2027},
                        format="json")
    assert r.status_code == 404


def test_el_personal_cgii_ve_todo_y_un_usuario_de_dos_entidades_ambas(api, ajeno, analista,
                                                                      entidad_b, rsi_b):
    from .utiles import crear_plan

    propio = crear_plan(rsi_b, entidad_b)
    ids = {p["id"] for p in api(analista).get("/api/v1/pisi/planes/").json()["results"]}
    assert ids == {ajeno["pk"], propio.pk}
    doble = crear_usuario(username="doble", entidad=entidad_b, rol_entidad="reportante")
    from cgii.entidades.models import Membresia

    Membresia.objects.create(usuario=doble, entidad=ajeno["plan"].entidad, rol="reportante")
    ids = {p["id"] for p in api(doble).get("/api/v1/pisi/planes/").json()["results"]}
    assert ids == {ajeno["pk"], propio.pk}


def test_el_analista_lee_pero_no_revisa(api, ajeno, analista):
    c = api(analista)
    assert c.get(f"/api/v1/pisi/planes/{ajeno['pk']}/").status_code == 200
    r = c.post(f"/api/v1/pisi/planes/{ajeno['pk']}/hallazgos/",
               {"grado": "observacion", "descripcion": "x"}, format="json")
    assert r.status_code == 403


def test_sin_credenciales_401(api, ajeno):
    assert api().get(f"/api/v1/pisi/planes/{ajeno['pk']}/").status_code in (401, 403)
    assert api().get("/api/v1/pisi/planes/").status_code in (401, 403)
