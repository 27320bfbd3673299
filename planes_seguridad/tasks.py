"""Celery side (full stack) of the PISI deadline sweep; the embedded twin is in apps.py."""

from celery import shared_task

from cgii.celery import programar

from .apps import PLAZOS_CADA_SEGUNDOS
from .services import plazos


@shared_task(name="pisi.plazos_barrido", acks_late=True, ignore_result=True)
def plazos_barrido() -> dict:
    return plazos.plazos_barrido()


programar("pisi.plazos", PLAZOS_CADA_SEGUNDOS, plazos_barrido.s())
