import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgii.settings")

app = Celery("cgii")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def programar(nombre: str, cada_segundos: float, firma, *, expira: float | None = None) -> None:
    """A beat entry for ``firma`` (a task signature) every ``cada_segundos``; an entry not
    run by then is dropped (``expira``, by default one period). autodiscover_tasks may
    import a tasks module after the app was finalized, when on_after_finalize has already
    fired: the entry is then added directly."""

    def agregar(sender: Celery, **kwargs) -> None:
        sender.add_periodic_task(cada_segundos, firma, name=nombre,
                                 expires=expira or cada_segundos)

    if app.finalized:
        agregar(app)
    else:
        app.on_after_finalize.connect(agregar, weak=False)


# ---- periodic jobs declared once per app (cgii.periodicas) --------------------------------

@app.task(name="cgii.periodica", acks_late=True, ignore_result=True)
def periodica(nombre: str):
    """Run one declared periodic job by name (the beat entries below point here)."""
    from cgii import periodicas

    return periodicas.ejecutar(nombre)


def _programar_declaradas(sender: Celery, **kwargs) -> None:
    from cgii import periodicas

    for p in periodicas.declaradas():
        sender.add_periodic_task(p.cada_segundos, periodica.s(p.nombre), name=p.nombre,
                                 expires=p.expira or p.cada_segundos)


if app.finalized:
    _programar_declaradas(app)
else:
    app.on_after_finalize.connect(_programar_declaradas, weak=False)


@worker_process_init.connect(weak=False)
def _congelar_proceso(**kwargs) -> None:
    """Each pool process, once it has loaded the tasks: as the web workers (cgii/memoria.py),
    so the outbox dispatcher's sends are not delayed by full collections of the code."""
    from cgii.memoria import congelar_arranque

    congelar_arranque()
