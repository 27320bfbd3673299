"""Notices with legal effect (Notificaciones Electrónicas) for any domain app: queue one in
the caller's transaction, send it after commit (Celery, retried while the service is down),
check delivery, and announce the delivery as an outbox event the origin app handles.
Core: it names no domain app (``origen`` is an opaque label)."""

from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.errores import ErrorValidacion
from cgii.eventos.services import evento_emitir

from . import notificaciones as servicio
from .models import EstadoNotificacion, NotificacionElectronica

EVENTO_ENTREGADA = "ciudadania.notificacion_entregada"


def notificacion_programar(*, actor, origen: str, objeto_id: int, entidad_id: int,
                           destinatario, asunto: str, cuerpo: str,
                           plazo_dias_habiles: int | None = None) -> NotificacionElectronica:
    """Inside the caller's transaction: the notice row and its audit row; the send is a
    Celery task after commit (nothing leaves the process before)."""
    if not servicio.configurada():
        raise ErrorValidacion(_("Notificaciones Electrónicas de Ciudadanía Digital no está "
                                "configurado en esta plataforma."))
    if not destinatario.documento_identidad:
        raise ErrorValidacion(_("%(u)s no tiene registrado su documento de identidad: no se le "
                                "puede notificar por Ciudadanía Digital.") % {
                                    "u": destinatario.get_full_name() or destinatario.username})
    n = NotificacionElectronica.objects.create(
        origen=origen, objeto_id=objeto_id, entidad_id=entidad_id, destinatario=destinatario,
        documento_identidad=destinatario.documento_identidad, asunto=asunto[:200],
        cuerpo=cuerpo, plazo_dias_habiles=plazo_dias_habiles)
    auditoria_registrar(actor=actor, accion="ciudadania.notificacion.programar", objeto=n,
                        entidad_id=entidad_id, datos={"origen": origen, "objeto_id": objeto_id,
                                                      "destinatario_id": destinatario.pk})
    from .tasks import notificacion_enviar_tarea

    transaction.on_commit(partial(notificacion_enviar_tarea.delay, n.pk))
    return n


def notificacion_enviar(*, notificacion_id: int) -> str:
    """Send a queued notice (idempotent: our reference makes a repeat the same notice)."""
    n = NotificacionElectronica.objects.get(pk=notificacion_id)
    if n.estado != EstadoNotificacion.POR_ENVIAR:
        return n.estado
    try:
        envio = servicio.enviar(documento_identidad=n.documento_identidad, asunto=n.asunto,
                                cuerpo=n.cuerpo, referencia=f"cgii-notificacion-{n.pk}",
                                plazo_dias_habiles=n.plazo_dias_habiles)
    except (servicio.ServicioNoDisponible, servicio.RespuestaInvalida) as exc:
        NotificacionElectronica.objects.filter(pk=n.pk, estado=EstadoNotificacion.POR_ENVIAR) \
            .update(intentos=F("intentos") + 1, ultimo_error=exc.message[:300])
        raise
    NotificacionElectronica.objects.filter(pk=n.pk, estado=EstadoNotificacion.POR_ENVIAR).update(
        estado=EstadoNotificacion.ENVIADA, envio_id=envio.id, enviada_en=timezone.now(),
        intentos=F("intentos") + 1, ultimo_error="")
    return EstadoNotificacion.ENVIADA


def notificacion_consultar(*, notificacion_id: int) -> NotificacionElectronica:
    """Ask whether a sent notice was delivered; on delivery, record it and announce it."""
    n = NotificacionElectronica.objects.get(pk=notificacion_id)
    if n.estado != EstadoNotificacion.ENVIADA:
        return n
    estado = servicio.consultar(envio_id=n.envio_id)
    if estado.estado != "entregada":
        return n
    with transaction.atomic():
        n = NotificacionElectronica.objects.select_for_update().get(pk=notificacion_id)
        if n.estado != EstadoNotificacion.ENVIADA:
            return n
        n.estado, n.entregada_en = EstadoNotificacion.ENTREGADA, estado.entregada_en
        n.save(update_fields=["estado", "entregada_en"])
        datos = {"notificacion_id": n.pk, "origen": n.origen, "objeto_id": n.objeto_id,
                 "destinatario_id": n.destinatario_id, "asunto": n.asunto,
                 "entregada_en": n.entregada_en.isoformat(),
                 "plazo_dias_habiles": n.plazo_dias_habiles}
        auditoria_registrar(actor="ciudadania", accion="ciudadania.notificacion.entregada",
                            objeto=n, entidad_id=n.entidad_id, datos=datos)
        evento_emitir(tipo=EVENTO_ENTREGADA, datos=datos, grupos=[], entidad_id=n.entidad_id)
    return n


def notificaciones_pendientes() -> int:
    """Periodic: send what is queued (the service was down) and check what was sent."""
    hechas = 0
    for pk, estado in NotificacionElectronica.objects.filter(
            estado__in=[EstadoNotificacion.POR_ENVIAR, EstadoNotificacion.ENVIADA]
    ).values_list("pk", "estado")[:500]:
        try:
            if estado == EstadoNotificacion.POR_ENVIAR:
                notificacion_enviar(notificacion_id=pk)
            else:
                notificacion_consultar(notificacion_id=pk)
            hechas += 1
        except (servicio.ServicioNoDisponible, servicio.RespuestaInvalida):
            continue
    return hechas
