"""List endpoints run a constant number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planes_seguridad import services

from .utiles import crear_plan, llevar_a, pdf

pytestmark = pytest.mark.django_db


def _consultas(cliente, url):
    with CaptureQueriesContext(connection) as ctx:
        r = cliente.get(url)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), r.json()


def test_lista_de_planes_constante(api, catalogos_pisi, auditor, rsi_a, entidad_a):
    from tests.factories import crear_entidad, crear_usuario

    crear_plan(rsi_a, entidad_a)
    c = api(auditor)
    pocas, datos = _consultas(c, "/api/v1/pisi/planes/")
    assert datos["count"] == 1
    for n in range(6):
        entidad = crear_entidad(sigla=f"E{n}", nombre=f"Entidad {n}")
        rsi = crear_usuario(entidad=entidad, rol_entidad="rsi")
        plan = crear_plan(rsi, entidad)
        services.plan_actualizar(actor=rsi, plan_id=plan.pk, rsi_id=rsi.pk)
    muchas, datos = _consultas(c, "/api/v1/pisi/planes/")
    assert datos["count"] == 7 and muchas == pocas and muchas <= 8


def test_listas_del_plan_constantes(api, plan, rsi_a, auditor):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    base = f"/api/v1/pisi/planes/{plan.pk}"

    def poblar(n):
        for i in range(n):
            act = services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo=f"A{i}",
                                           inicio_planificado="2027-01-01",
                                           fin_planificado="2027-02-01",
                                           controles=["5.1.1", "9.1.1"])
            services.evidencia_subir(actor=rsi_a, plan_id=plan.pk, archivo=pdf(),
                                     control="5.1.1", actividad_id=act.pk)
            services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="observacion",
                                        descripcion=f"H{i}", control="9.1.1")

    rutas = ["/soa/?page_size=200", "/actividades/", "/evidencias/", "/hallazgos/",
             "/historial/?page_size=200", "/periodos/", "/plazos/",
             f"/periodos/{periodo.pk}/revisiones/?page_size=200", "/"]
    poblar(1)
    c = api(rsi_a)
    antes = {r: _consultas(c, base + r)[0] for r in rutas}
    poblar(5)
    despues = {r: _consultas(c, base + r)[0] for r in rutas}
    assert despues == antes
    assert max(despues.values()) <= 12, despues
    # SoA: 10 or 114 rows, same queries.
    assert _consultas(c, base + "/soa/?page_size=10")[0] == antes["/soa/?page_size=200"]


def test_instantanea_y_tendencia_constantes(api, plan, rsi_a, auditor):
    from .test_seguimiento import cerrar

    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    base = f"/api/v1/pisi/planes/{plan.pk}"
    c = api(rsi_a)
    uno = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    cerrar(plan, uno, rsi_a, auditor)
    n_tendencia = _consultas(c, base + "/tendencia/")[0]
    n_foto = _consultas(c, f"{base}/periodos/{uno.pk}/snapshot/?page_size=200")[0]
    dos = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    cerrar(plan, dos, rsi_a, auditor)
    n, datos = _consultas(c, base + "/tendencia/")
    assert len(datos) == 2 and n == n_tendencia
    assert _consultas(c, f"{base}/periodos/{dos.pk}/snapshot/?page_size=10")[0] == n_foto


def test_el_esquema_documenta_la_api_pisi(client):
    r = client.get("/api/schema/?format=json")
    rutas = r.json()["paths"]
    for ruta in ("/api/v1/pisi/planes/", "/api/v1/pisi/planes/{id}/transiciones/",
                 "/api/v1/pisi/planes/{id}/soa/", "/api/v1/pisi/planes/{id}/evidencias/",
                 "/api/v1/pisi/planes/{id}/periodos/{periodo_id}/snapshot/",
                 "/api/v1/pisi/verificacion/{codigo}/"):
        assert ruta in rutas, ruta
