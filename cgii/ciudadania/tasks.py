"""Celery side of Notificaciones Electrónicas (eager in the embedded profile)."""

from celery import shared_task

from .notificaciones import ServicioNoDisponible


@shared_task(name="ciudadania.notificacion_enviar", bind=True, acks_late=True,
             ignore_result=True, max_retries=10)
def notificacion_enviar_tarea(self, notificacion_id: int) -> str:
    """Takes an id, idempotent. While the service is down the notice stays queued and is
    retried (1, 2, 4 … 60 minutes; the periodic job also picks it up)."""
    from .avisos import notificacion_enviar

    try:
        return notificacion_enviar(notificacion_id=notificacion_id)
    except ServicioNoDisponible as exc:
        if self.request.is_eager:
            return "por_enviar"
        raise self.retry(exc=exc, countdown=min(60 * 2 ** self.request.retries, 3600)) from exc
