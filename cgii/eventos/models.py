"""Transactional outbox: services write ``Evento`` rows inside their own transaction."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Evento(models.Model):
    # Ids are assigned at insert, not at commit, so they can commit out of order: they
    # identify an event (clients de-duplicate by it) but cannot be a resume cursor.
    id = models.BigAutoField(primary_key=True)
    tipo = models.CharField(_("tipo"), max_length=100)
    datos = models.JSONField(_("datos"), default=dict, encoder=DjangoJSONEncoder)
    grupos = models.JSONField(_("grupos"), default=list)
    # Plain integer, not a foreign key: the outbox is core and must not cascade with, or
    # lock, tenant rows; it only serves as a filter.
    entidad_id = models.BigIntegerField(_("entidad"), null=True, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    disponible_desde = models.DateTimeField(_("disponible desde"), default=timezone.now)
    intentos = models.PositiveIntegerField(_("intentos"), default=0)
    entregado_en = models.DateTimeField(_("entregado en"), null=True, blank=True)
    ultimo_error = models.TextField(_("último error"), blank=True, default="")
    # Position in the websocket stream, assigned by the dispatcher when it fans the event
    # out (dispatchers fan out one batch at a time): strictly increasing in send order,
    # so "everything after N" is exactly what a client that saw N has missed.
    secuencia = models.BigIntegerField(_("secuencia"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("evento")
        verbose_name_plural = _("eventos")
        ordering = ["-id"]
        indexes = [
            # The dispatcher's only query: pending rows that are due, oldest first. Partial,
            # so it stays as small as the backlog however large the history grows.
            models.Index(
                fields=["disponible_desde", "id"],
                condition=Q(entregado_en__isnull=True),
                name="eventos_evento_pendientes",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.tipo}"

    @property
    def pendiente(self) -> bool:
        return self.entregado_en is None

    @property
    def agotado(self) -> bool:
        """Pending and past EVENTOS_MAX_INTENTOS: still retried, but needs a human look."""
        return self.pendiente and self.intentos >= settings.EVENTOS_MAX_INTENTOS

    def como_mensaje(self) -> dict:
        """What websocket clients receive (and what a replay must send)."""
        return {
            "id": self.pk,
            "secuencia": self.secuencia,
            "tipo": self.tipo,
            "datos": self.datos,
            "creado": self.creado.isoformat(),
        }


class ConsumoEvento(models.Model):
    """A sink that already processed an event: redeliveries skip it (idempotent consumers)."""

    evento = models.ForeignKey(Evento, on_delete=models.CASCADE, related_name="consumos")
    consumidor = models.CharField(_("consumidor"), max_length=100)
    procesado_en = models.DateTimeField(_("procesado en"), default=timezone.now)

    class Meta:
        verbose_name = _("consumo de evento")
        verbose_name_plural = _("consumos de eventos")
        constraints = [
            models.UniqueConstraint(fields=["evento", "consumidor"],
                                    name="eventos_consumo_unico"),
        ]

    def __str__(self) -> str:
        return f"{self.consumidor} ← #{self.evento_id}"


class Notificacion(models.Model):
    """One in-app notification for one user (the bell). Written by ``notificaciones.notificar``."""

    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notificaciones", verbose_name=_("usuario"))
    tipo = models.CharField(_("tipo"), max_length=60)
    texto = models.CharField(_("texto"), max_length=300)
    enlace = models.CharField(_("enlace"), max_length=300, blank=True)
    leida_en = models.DateTimeField(_("leída en"), null=True, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["usuario", "-id"], name="notificacion_usuario"),
            models.Index(fields=["usuario"], condition=Q(leida_en__isnull=True),
                         name="notificacion_no_leidas"),
        ]

    def __str__(self) -> str:
        return f"{self.usuario_id}: {self.texto}"

    def como_dict(self) -> dict:
        return {"id": self.pk, "tipo": self.tipo, "texto": self.texto, "enlace": self.enlace,
                "leida": self.leida_en is not None, "creado": self.creado.isoformat()}


class PreferenciaNotificacion(models.Model):
    """A user's choice for one notification type; no row = the type's defaults."""

    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="preferencias_notificacion")
    tipo = models.CharField(_("tipo"), max_length=60)
    en_app = models.BooleanField(_("en la plataforma"), default=True)
    email = models.BooleanField(_("por correo"), default=False)

    class Meta:
        verbose_name = _("preferencia de notificación")
        verbose_name_plural = _("preferencias de notificación")
        constraints = [models.UniqueConstraint(fields=["usuario", "tipo"],
                                               name="preferencia_unica")]

    def __str__(self) -> str:
        return f"{self.usuario_id} {self.tipo}"
