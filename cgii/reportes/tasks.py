"""Celery side of report generation (eager in the embedded profile: it just runs)."""

from celery import shared_task

from cgii.celery import programar

from .apps import PURGA_CADA_SEGUNDOS
from .services import reporte_generar, reportes_purgar


@shared_task(name="reportes.generar", acks_late=True, ignore_result=True)
def generar_reporte(reporte_id: int) -> str:
    """Takes an id, re-reads the row, idempotent (see services.reporte_generar). Failures
    are recorded on the row, not retried: the same parameters would fail the same way."""
    return reporte_generar(reporte_id)


@shared_task(name="reportes.purgar", acks_late=True, ignore_result=True)
def purgar_reportes() -> int:
    """Old generated files (REPORTES_DIAS_CONSERVAR); the embedded twin is in apps.py."""
    return reportes_purgar()


programar("reportes.purgar", PURGA_CADA_SEGUNDOS, purgar_reportes.s())
