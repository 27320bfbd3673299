"""Celery side of the outbox (full stack): the dispatch task and its periodic sweep."""

from celery import shared_task

from cgii.celery import programar
from cgii.eventos import despachador

NOMBRE_BARRIDO = "eventos.barrido"
# The sweep is what delivers events whose dispatch request was lost (broker down at
# commit time, worker crash): it bounds their extra latency.
BARRIDO_CADA_SEGUNDOS = 5.0


@shared_task(name="eventos.despachar", acks_late=True, ignore_result=True)
def despachar_eventos() -> int:
    """Deliver what is due. Takes no arguments and is idempotent: many copies may be
    queued (one per commit plus the sweep); extra ones find nothing to lock and return."""
    return despachador.despachar_pendientes()


# The sweep is what delivers events whose dispatch request was lost.
programar(NOMBRE_BARRIDO, BARRIDO_CADA_SEGUNDOS, despachar_eventos.s(),
          expira=BARRIDO_CADA_SEGUNDOS * 2)
