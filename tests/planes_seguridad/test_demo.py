"""``cargar_demo`` adds PISI plans in different states, a plan in force with two closed
follow-up periods (so trends and reports have data), and adds nothing the second time."""

import pytest
from django.core.management import call_command

from cgii import archivos
from planes_seguridad import pdf, selectors
from planes_seguridad.models import (
    Actividad,
    Aplicabilidad,
    EntradaPlan,
    Evidencia,
    Hallazgo,
    PeriodoSeguimiento,
    PlanInstitucional,
    SnapshotControl,
)

pytestmark = pytest.mark.django_db

MODELOS = (PlanInstitucional, EntradaPlan, Aplicabilidad, Actividad, Evidencia, Hallazgo,
           PeriodoSeguimiento, SnapshotControl)


def _conteos() -> dict:
    return {m.__name__: m.objects.count() for m in MODELOS}


def test_cargar_demo_dos_veces(catalogos, catalogos_pisi, capsys):
    call_command("cargar_demo")
    salida = capsys.readouterr().out
    assert "PISI MEFP" in salida and "PISI GAMLP" in salida and "PISI ENDE" in salida
    planes = {p.entidad.sigla: p for p in PlanInstitucional.objects.select_related("entidad")}
    assert {s: p.estado for s, p in planes.items()} == {
        "MEFP": "vigente", "GAMLP": "en_revision", "ENDE": "observado"}

    # The plan in force: two closed periods whose frozen snapshots show improvement, and an
    # open one with findings (one from an incident).
    mefp = planes["MEFP"]
    periodos = list(mefp.periodos.order_by("fecha_corte"))
    assert [p.estado for p in periodos] == ["cerrado", "cerrado", "abierto"]
    assert all(p.snapshot.count() == 114 for p in periodos[:2])
    tendencia = selectors.tendencia(mefp)
    assert len(tendencia) == 2 and tendencia[1]["cumplimiento"] > tendencia[0]["cumplimiento"]
    assert mefp.hallazgos.filter(origen="incidente", incidente_codigo__startswith="CGII-").exists()
    assert mefp.hallazgos.filter(origen="auditoria").count() >= 3
    assert mefp.evidencias.filter(estado="aprobada", tipo="enlace").exists()
    assert mefp.actividades.count() == 7
    assert not mefp.soa.filter(aplica__isnull=True).exists()
    assert mefp.soa.filter(aplica=False).exclude(justificacion="").count() == 2
    assert archivos.ruta_absoluta(pdf.ruta_resumen(mefp.codigo_verificacion)).exists()
    assert selectors.verificacion_publica(mefp.codigo_verificacion)["es_version_actual"]

    # Deadlines people see: about to expire (GAMLP's review), overdue (ENDE's adjustment).
    gamlp = selectors.plazos_de(plan=planes["GAMLP"], solo_abiertos=True)
    assert [(f.tipo, f.estado) for f in gamlp] == [("revision_cgii", "advertencia")]
    ende = selectors.plazos_de(plan=planes["ENDE"], solo_abiertos=True)
    assert [(f.tipo, f.estado) for f in ende] == [("ajuste_entidad", "vencido")]
    assert ende[0].vencido_en is not None, "marked by the sweep"
    assert planes["ENDE"].observaciones and planes["GAMLP"].observaciones
    # The review in rounds (issue 23): GAMLP in round 2 with answered observations (one per
    # control) and something to diff; ENDE waiting to answer its per-control observations.
    assert [r.numero for r in planes["GAMLP"].rondas.all()] == [1, 2]
    assert planes["GAMLP"].observaciones_revision.filter(
        aplicabilidad__control__numero="12.3.1", estado="respondida").exists()
    assert selectors.diferencias_de(plan=planes["GAMLP"])["total"] > 0
    assert planes["ENDE"].observaciones_revision.filter(estado="abierta").count() == 2
    # Risk records and the MAE's acceptances.
    assert mefp.riesgos.count() == 5 and mefp.riesgos.filter(aceptado_por__isnull=False).count() == 2
    assert not mefp.riesgos_faltantes()

    # Second run: nothing new.
    antes = _conteos()
    call_command("cargar_demo")
    assert "PISI" not in capsys.readouterr().out
    assert _conteos() == antes


def test_sin_catalogos_de_controles_no_falla(catalogos, capsys):
    call_command("cargar_demo")
    assert "sin catálogos de controles" in capsys.readouterr().out
    assert not PlanInstitucional.objects.exists()
