"""Celery side (full stack) of the incident monitor; the embedded twin is in apps.py."""

from celery import Celery, shared_task

from cgii.celery import app

from .apps import AUTOCIERRE_CADA_SEGUNDOS, SLA_CADA_SEGUNDOS
from .services import monitor


@shared_task(name="incidentes.sla_barrido", acks_late=True, ignore_result=True)
def sla_barrido() -> int:
    return monitor.sla_barrido()


@shared_task(name="incidentes.autocierre", acks_late=True, ignore_result=True)
def autocierre() -> int:
    return monitor.autocerrar_resueltos()


def _programar(sender: Celery, **kwargs) -> None:
    sender.add_periodic_task(SLA_CADA_SEGUNDOS, sla_barrido.s(), name="incidentes.sla",
                             expires=SLA_CADA_SEGUNDOS * 2)
    sender.add_periodic_task(AUTOCIERRE_CADA_SEGUNDOS, autocierre.s(),
                             name="incidentes.autocierre", expires=AUTOCIERRE_CADA_SEGUNDOS)


if app.finalized:
    _programar(app)
else:
    app.on_after_finalize.connect(_programar, weak=False)
