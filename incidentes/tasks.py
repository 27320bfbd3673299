"""Celery side (full stack) of the incident monitor; the embedded twin is in apps.py."""

from celery import shared_task

from cgii.celery import programar

from .apps import AUTOCIERRE_CADA_SEGUNDOS, SLA_CADA_SEGUNDOS
from .services import monitor


@shared_task(name="incidentes.sla_barrido", acks_late=True, ignore_result=True)
def sla_barrido() -> int:
    return monitor.sla_barrido()


@shared_task(name="incidentes.autocierre", acks_late=True, ignore_result=True)
def autocierre() -> int:
    return monitor.autocerrar_resueltos()


programar("incidentes.sla", SLA_CADA_SEGUNDOS, sla_barrido.s(), expira=SLA_CADA_SEGUNDOS * 2)
programar("incidentes.autocierre", AUTOCIERRE_CADA_SEGUNDOS, autocierre.s())
