"""Celery side (full stack) of the PISI deadline sweep; the embedded twin is in apps.py."""

from celery import Celery, shared_task

from cgii.celery import app

from .apps import PLAZOS_CADA_SEGUNDOS
from .services import plazos


@shared_task(name="pisi.plazos_barrido", acks_late=True, ignore_result=True)
def plazos_barrido() -> dict:
    return plazos.plazos_barrido()


def _programar(sender: Celery, **kwargs) -> None:
    sender.add_periodic_task(PLAZOS_CADA_SEGUNDOS, plazos_barrido.s(), name="pisi.plazos",
                             expires=PLAZOS_CADA_SEGUNDOS)


if app.finalized:
    _programar(app)
else:
    app.on_after_finalize.connect(_programar, weak=False)
