"""Risk figures in the PISI reports (issue 23): the entity's register and heat maps in its
compliance report, the national risk picture in the national report, both in the XLSX."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cgii.reportes.xlsx import renderizar_xlsx
from planes_seguridad import services
from planes_seguridad.reportes.cumplimiento import figuras_cumplimiento
from planes_seguridad.reportes.documentos import documento_cumplimiento, documento_nacional
from planes_seguridad.reportes.nacional import figuras_nacional

from .test_reportes import _fila, _hojas, escenario, gestion  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_informe_de_la_entidad_tiene_registro_y_mapas(escenario, rsi_a):  # noqa: F811
    doc = documento_cumplimiento(figuras_cumplimiento(usuario=rsi_a,
                                                      plan_id=escenario["plan"].pk))
    (seccion,) = [s for s in doc.secciones if s.clave == "riesgos"]
    assert [g.tipo for g in seccion.graficos] == ["mapa_calor", "mapa_calor"]
    inherente = seccion.graficos[0]
    assert [s.nombre for s in inherente.series][0].startswith("5 ")  # highest first
    # completar's scenario: A.8 at 3 × 3, residual 1 × 2.
    fila_3 = next(s for s in inherente.series if s.nombre.startswith("3 "))
    assert fila_3.valores == [0, 0, 1, 0, 0]
    registro = next(t for t in seccion.tablas if t.clave == "registro-riesgos")
    assert registro.filas[0][:5] == ["R-01", "A-01 Sistema de correspondencia",
                                     "[A.8] Difusión de software dañino", "Medio", "Mitigar"]
    hoja = _hojas(renderizar_xlsx(doc))["Gestión de riesgos"]
    assert _fila(hoja, "R-01")[6] == "Bajo"
    assert _fila(hoja, "Escenarios de riesgo")[1] == 1


def test_informe_nacional_con_riesgos(escenario, rsi_a, auditor):  # noqa: F811
    plan = escenario["plan"]
    # MPA's plan in force gets a second version with a high residual risk the MAE accepts,
    # and one without treatment (its newest version is the one the report reads).
    nuevo = services.plan_nueva_version(actor=rsi_a, plan_id=plan.pk)
    services.riesgo_crear(actor=rsi_a, plan_id=nuevo.pk, activo="A-01", amenaza="A.24",
                          probabilidad=5, impacto=5, tratamiento="transferir",
                          probabilidad_residual=4, impacto_residual=4)
    services.riesgo_crear(actor=rsi_a, plan_id=nuevo.pk, activo="A-01", amenaza="E.1",
                          probabilidad=2, impacto=2)
    f = figuras_nacional(usuario=auditor, gestion=gestion())
    r = f.riesgos
    por_sigla = {e.sigla: e for e in r.entidades}
    assert (por_sigla["MPA"].escenarios, por_sigla["MPA"].residual_alto,
            por_sigla["MPA"].por_aceptar, por_sigla["MPA"].sin_tratamiento) == (3, 1, 1, 1)
    assert por_sigla["MPC"].completa and not por_sigla["MPA"].completa
    assert por_sigla["MPD"].escenarios == 0 and not por_sigla["MPD"].completa
    assert (r.planes, r.con_registro, r.completas) == (3, 2, 1)
    assert r.entidades[0].sigla == "MPA"  # the most exposed first
    # Residual heat map: MPA 1 × 2 and 4 × 4, MPC 1 × 2.
    celdas = {(fila["probabilidad"], c["impacto"]): c["n"] for fila in r.mapa["filas"]
              for c in fila["celdas"] if c["n"]}
    assert celdas == {(1, 2): 2, (4, 4): 1}
    hojas = _hojas(renderizar_xlsx(documento_nacional(f)))
    hoja = hojas["Gestión de riesgos"]
    assert _fila(hoja, "MPA")[1:9] == [1, 3, 1, 0, 1, 1, 0, "No"]
    assert _fila(hoja, "Evaluaciones de riesgos completas")[1] == 1


def test_nacional_riesgos_en_consultas_constantes(escenario, auditor):  # noqa: F811
    from planes_seguridad.reportes import riesgos

    planes = {escenario["plan"].pk: "MPA", escenario["plan_c"].pk: "MPC"}
    riesgos.figuras_nacional(planes)
    with CaptureQueriesContext(connection) as dos:
        riesgos.figuras_nacional(planes)
    planes[escenario["plan_d"].pk] = "MPD"
    with CaptureQueriesContext(connection) as tres:
        riesgos.figuras_nacional(planes)
    assert len(dos.captured_queries) == len(tres.captured_queries) == 4
