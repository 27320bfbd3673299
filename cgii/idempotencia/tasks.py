"""Celery side of the key purge (the embedded twin is registered in apps.py)."""

from celery import shared_task

from cgii.celery import programar

from .apps import PURGA_CADA_SEGUNDOS
from .services import claves_purgar


@shared_task(name="idempotencia.purgar", acks_late=True, ignore_result=True)
def purgar_claves() -> int:
    """Expired keys: a plain DELETE by the indexed creation time; safe to run twice."""
    return claves_purgar()


programar("idempotencia.purgar", PURGA_CADA_SEGUNDOS, purgar_claves.s())
