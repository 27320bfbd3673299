"""Celery side of the STIX import (eager in the embedded profile: it just runs)."""

from celery import shared_task

from .services import stix_importar_procesar


@shared_task(name="indicadores.stix_importar", acks_late=True, ignore_result=True)
def stix_importar_tarea(importacion_id: int) -> str:
    """Takes an id, re-reads the row, idempotent (see services.importacion)."""
    return stix_importar_procesar(importacion_id)
