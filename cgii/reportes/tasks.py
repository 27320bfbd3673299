"""Celery side of report generation (eager in the embedded profile: it just runs)."""

from celery import shared_task

from .services import reporte_generar


@shared_task(name="reportes.generar", acks_late=True, ignore_result=True)
def generar_reporte(reporte_id: int) -> str:
    """Takes an id, re-reads the row, idempotent (see services.reporte_generar). Failures
    are recorded on the row, not retried: the same parameters would fail the same way."""
    return reporte_generar(reporte_id)
