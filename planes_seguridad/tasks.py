"""Celery side of the PISI's Aprobación de Documentos (eager in the embedded profile)."""

from celery import shared_task

from cgii.ciudadania.aprobacion import ServicioNoDisponible

MAXIMO_REINTENTOS = 10


@shared_task(name="pisi.aprobacion_enviar", bind=True, acks_late=True, ignore_result=True,
             max_retries=MAXIMO_REINTENTOS)
def aprobacion_enviar_tarea(self, aprobacion_id: int) -> str:
    """Takes an id, re-reads the row, idempotent (services.aprobacion_enviar). A service
    that is down is retried with growing waits (1, 2, 4 … 60 minutes); in the embedded
    profile (eager) the page offers "retry now" instead of blocking the request."""
    from .services.aprobacion import aprobacion_enviar

    try:
        return aprobacion_enviar(aprobacion_id=aprobacion_id)
    except ServicioNoDisponible as exc:
        if self.request.is_eager:
            return "por_enviar"
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600)) from exc
