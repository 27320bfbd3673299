"""The compliance report of a closed period does not move when live data changes afterwards:
governance, schedule and findings are frozen at the close (SnapshotPeriodo), like the
controls (SnapshotControl)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from planes_seguridad import congelado, services
from planes_seguridad.models import (
    Actividad,
    Hallazgo,
    PlanInstitucional,
    SnapshotInmutable,
    SnapshotPeriodo,
)
from planes_seguridad.reportes.cumplimiento import cronograma_al, figuras_cumplimiento

from .test_reportes import escenario  # noqa: F401 - the hand-built fixture

pytestmark = pytest.mark.django_db


def _cifras(f):
    c, h = f.cronograma, f.hallazgos
    return {
        "cronograma": (c.total, c.vencen, c.terminadas, c.atrasadas, c.mediana_dias,
                       c.maximo_dias),
        "hallazgos": (h.total, h.abiertos, h.cerrados, h.promedio_dias_cierre,
                      sorted((g.grado, g.abiertos, g.cerrados) for g in h.por_grado)),
        "gobernanza": [(i.clave, i.ok, i.detalle) for i in f.gobernanza],
    }


def test_el_cierre_congela_gobernanza_cronograma_y_hallazgos(escenario, rsi_a,  # noqa: F811
                                                            auditor):
    plan, periodo = escenario["plan"], escenario["periodo"]
    foto = SnapshotPeriodo.objects.get(periodo=periodo)
    assert len(foto.actividades) == 7 and len(foto.hallazgos) == 3
    assert foto.gobernanza["comite"] == 2 and foto.gobernanza["resolucion_cite"]
    antes = _cifras(figuras_cumplimiento(usuario=rsi_a, plan_id=plan.pk))
    assert antes["cronograma"] == (7, 6, 3, 3, 20.0, 60)

    # After the close: an overdue activity is marked finished before the cut-off, the open
    # finding is regraded, a new period opens with a new finding, the committee and the RSI
    # change.
    a3 = Actividad.objects.get(plan=plan, titulo="A3")
    services.actividad_actualizar(actor=rsi_a, plan_id=plan.pk, actividad_id=a3.pk,
                                  avance=100, inicio_real=periodo.fecha_corte - timedelta(days=90),
                                  fin_real=periodo.fecha_corte - timedelta(days=70))
    abierto = Hallazgo.objects.get(plan=plan, estado="abierto")
    services.hallazgo_actualizar(actor=auditor, plan_id=plan.pk, hallazgo_id=abierto.pk,
                                 grado="no_conformidad_mayor")
    services.periodo_abrir(actor=auditor, plan_id=plan.pk,
                           fecha_corte=periodo.fecha_corte + timedelta(days=180))
    services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="no_conformidad_menor",
                                descripcion="Nuevo hallazgo posterior al cierre.")
    PlanInstitucional.objects.filter(pk=plan.pk).update(comite=[], rsi=None)  # setup only

    despues = _cifras(figuras_cumplimiento(usuario=rsi_a, plan_id=plan.pk))
    assert despues == antes
    # The live rows did move: read as of the cut-off they would now say otherwise.
    hechos, actividades, _h = congelado.leer(**congelado.resumen(
        PlanInstitucional.objects.get(pk=plan.pk)))
    assert cronograma_al(actividades, periodo.fecha_corte).atrasadas == 2
    assert hechos["comite"] == 0 and hechos["rsi"] == ""


def test_sin_instantanea_del_periodo_lee_lo_vigente_al_corte(escenario, rsi_a):  # noqa: F811
    """Periods closed before SnapshotPeriodo existed: the report reads the live rows as of
    the cut-off (same figures as the frozen copy on the day of the close)."""
    plan, periodo = escenario["plan"], escenario["periodo"]
    congelado = _cifras(figuras_cumplimiento(usuario=rsi_a, plan_id=plan.pk))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE (the row triggers refuse DELETE) needs the test transaction's deferred
            # foreign-key checks run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE planes_seguridad_snapshotperiodo")
        else:
            cursor.execute("DELETE FROM planes_seguridad_snapshotperiodo")
    assert not SnapshotPeriodo.objects.filter(periodo=periodo).exists()
    assert _cifras(figuras_cumplimiento(usuario=rsi_a, plan_id=plan.pk)) == congelado


def test_la_instantanea_del_periodo_es_inmutable(escenario):  # noqa: F811
    foto = SnapshotPeriodo.objects.get(periodo=escenario["periodo"])
    foto.actividades = []
    with pytest.raises(SnapshotInmutable):
        foto.save()
    with pytest.raises(SnapshotInmutable):
        foto.delete()
    with pytest.raises(SnapshotInmutable):
        SnapshotPeriodo.objects.filter(pk=foto.pk).update(actividades=[])
    if connection.vendor != "postgresql":
        pytest.skip("los disparadores de inmutabilidad solo existen en PostgreSQL")
    for sql in ("UPDATE planes_seguridad_snapshotperiodo SET actividades = '[]' WHERE id = %s",
                "DELETE FROM planes_seguridad_snapshotperiodo WHERE id = %s"):
        with pytest.raises(DatabaseError, match="inmutable"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [foto.pk])
