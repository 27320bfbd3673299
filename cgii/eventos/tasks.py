"""Celery side of the outbox (full stack): the live send, the sink runs, and the sweep.

The live send and the sweep go to their own queue (``flujo``): run a worker for it alone
(``celery -A cgii worker -Q flujo -c 1``) so a long task elsewhere — a report, a STIX
import, a sink waiting on a dead cluster — never holds up the live stream. Sink runs go to
the default queue, one task per sink, so a slow sink occupies one process at most (its
other requests find the sink's lock taken and return at once).
"""

from celery import shared_task

from cgii.celery import programar
from cgii.eventos import despachador, solicitudes, sumideros

NOMBRE_BARRIDO = "eventos.barrido"
# The sweep is what delivers events whose dispatch request was lost (broker down at
# commit time, worker crash): it bounds their extra latency.
BARRIDO_CADA_SEGUNDOS = 5.0
# A sink stuck past its own client timeouts is stopped (the row stays and is retried).
LIMITE_SUMIDERO_SEGUNDOS = 300


@shared_task(name="eventos.despachar", acks_late=True, ignore_result=True)
def despachar_eventos() -> int:
    """Send what is due live. Takes no arguments and is idempotent: many copies may be
    queued (one per commit plus the sweep); extra ones find nothing to do and return."""
    solicitudes.liberar(solicitudes.VIVO)  # before reading: later commits ask again
    return despachador.difundir_pendientes()


@shared_task(name="eventos.sumidero", acks_late=True, ignore_result=True,
             soft_time_limit=LIMITE_SUMIDERO_SEGUNDOS - 30, time_limit=LIMITE_SUMIDERO_SEGUNDOS)
def ejecutar_sumidero(nombre: str) -> int:
    """Work through one sink's due queue (idempotent; a second copy returns at once)."""
    solicitudes.liberar(nombre)  # before reading: later commits ask again
    return sumideros.ejecutar(nombre)


@shared_task(name="eventos.sumideros", acks_late=True, ignore_result=True)
def ejecutar_sumideros(nombres: list[str]) -> int:
    """One message from the web process for all the sinks a commit names; here, on the
    worker, one ``ejecutar_sumidero`` per sink as before (each with its own time limit).
    Issue 22: a report names several sinks, and each publish cost the request ~0.7 ms of
    CPU. Acknowledged late: a worker lost before it fans out gets it again, and the sweep
    runs every sink with due rows anyway."""
    for nombre in nombres:
        ejecutar_sumidero.delay(nombre)
    return len(nombres)


@shared_task(name="eventos.barrido", ignore_result=True)
def barrer() -> int:
    """The periodic safety net: the live send, and a run for each sink with due rows."""
    enviados = despachador.difundir_pendientes()
    for nombre in sumideros.con_pendientes():
        ejecutar_sumidero.delay(nombre)
    return enviados


programar(NOMBRE_BARRIDO, BARRIDO_CADA_SEGUNDOS, barrer.s(), expira=BARRIDO_CADA_SEGUNDOS * 2)
