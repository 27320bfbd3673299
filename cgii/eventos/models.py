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
    # Sent live to its Channels groups (set at creation when it has no groups). The sinks
    # keep their own progress in EntregaSumidero.
    entregado_en = models.DateTimeField(_("entregado en"), null=True, blank=True)
    ultimo_error = models.TextField(_("último error"), blank=True, default="")
    # Position in the websocket stream, assigned and COMMITTED by the dispatcher before it
    # sends the event live (one dispatcher numbers at a time): committed positions always
    # form a gapless prefix 1..N, so "everything after N" read from this table is exactly
    # what a client that received everything up to N has missed. Unique because only the
    # dispatcher numbers, one at a time (cerrojos); on PostgreSQL the table is partitioned by
    # ``creado`` (docs/particiones.md) and a unique constraint there must include it, hence
    # (secuencia, creado) below: the index the numbering and the replay read.
    secuencia = models.BigIntegerField(_("secuencia"), null=True, blank=True)

    class Meta:
        verbose_name = _("evento")
        verbose_name_plural = _("eventos")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["secuencia", "creado"],
                                    name="eventos_evento_secuencia_unica"),
        ]
        indexes = [
            # The dispatcher's only query: pending rows that are due, oldest first. Partial,
            # so it stays as small as the backlog however large the history grows.
            models.Index(
                fields=["disponible_desde", "id"],
                condition=Q(entregado_en__isnull=True),
                name="eventos_evento_pendientes",
            ),
            # Numbered but not yet sent live (the dispatcher died, or the layer was down):
            # resent first, in stream order.
            models.Index(
                fields=["secuencia"],
                condition=Q(entregado_en__isnull=True, secuencia__isnull=False),
                name="eventos_evento_sin_enviar",
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


class EntregaSumidero(models.Model):
    """One sink still owes one event: the sink's own queue, written with the event.

    Each registered sink (search index, notifications, e-mail, PISI reactions) works through
    its own rows, in id order, in transactions of its own: a slow or dead sink delays only
    itself, never the live stream or the other sinks. The row is deleted in the same
    transaction as the sink's database effects, so those happen exactly once.
    """

    # No database constraint: on PostgreSQL Evento is partitioned by ``creado`` and its key
    # is (id, creado), so ``id`` alone cannot be referenced (docs/particiones.md). Django
    # still cascades deletes; retention never drops an event a sink still owes.
    evento = models.ForeignKey(Evento, on_delete=models.CASCADE, db_constraint=False,
                               related_name="entregas_sumidero")
    sumidero = models.CharField(_("sumidero"), max_length=100)
    disponible_desde = models.DateTimeField(_("disponible desde"), default=timezone.now)
    intentos = models.PositiveIntegerField(_("intentos"), default=0)
    ultimo_error = models.TextField(_("último error"), blank=True, default="")

    class Meta:
        verbose_name = _("entrega pendiente a un sumidero")
        verbose_name_plural = _("entregas pendientes a sumideros")
        constraints = [
            models.UniqueConstraint(fields=["evento", "sumidero"],
                                    name="eventos_entrega_sumidero_unica"),
        ]
        indexes = [
            # A sink's runner reads its own due rows, oldest first.
            models.Index(fields=["sumidero", "disponible_desde", "id"],
                         name="eventos_entrega_sumidero_cola"),
        ]

    def __str__(self) -> str:
        return f"{self.sumidero} ← #{self.evento_id}"

    @property
    def agotado(self) -> bool:
        return self.intentos >= settings.EVENTOS_MAX_INTENTOS


class EstadoSumidero(models.Model):
    """A sink's health: after a failure the whole sink pauses with backoff (a dead search
    cluster fails every event alike; trying each one would cost a timeout apiece)."""

    nombre = models.CharField(_("nombre"), max_length=100, primary_key=True)
    fallos_seguidos = models.PositiveIntegerField(_("fallos seguidos"), default=0)
    pausado_hasta = models.DateTimeField(_("pausado hasta"), null=True, blank=True)
    ultimo_error = models.TextField(_("último error"), blank=True, default="")
    ultimo_exito = models.DateTimeField(_("último éxito"), null=True, blank=True)

    class Meta:
        verbose_name = _("estado de un sumidero")
        verbose_name_plural = _("estado de los sumideros")

    def __str__(self) -> str:
        return self.nombre


class Notificacion(models.Model):
    """One in-app notification for one user (the bell). Written by ``notificaciones.notificar``."""

    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notificaciones", verbose_name=_("usuario"))
    tipo = models.CharField(_("tipo"), max_length=60)
    texto = models.CharField(_("texto"), max_length=300)
    enlace = models.CharField(_("enlace"), max_length=300, blank=True)
    leida_en = models.DateTimeField(_("leída en"), null=True, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    # A burst on one subject (same link, unread, within minutes) is one row: how many news
    # it holds, and when an e-mail about it was last queued (one per burst).
    cantidad = models.PositiveIntegerField(_("novedades"), default=1)
    correo_en = models.DateTimeField(_("correo en"), null=True, blank=True)

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
                "leida": self.leida_en is not None, "creado": self.creado.isoformat(),
                "cantidad": self.cantidad}


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


class FrecuenciaCorreo(models.TextChoices):
    INMEDIATO = "inmediato", _("Al momento")
    HORA = "hora", _("Un resumen cada hora")
    DIARIO = "diario", _("Un resumen diario (07:00)")


class PreferenciaCorreo(models.Model):
    """How often a user gets notification e-mails: one at a time, or a digest."""

    usuario = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   primary_key=True, related_name="preferencia_correo")
    frecuencia = models.CharField(_("frecuencia"), max_length=10, choices=FrecuenciaCorreo.choices,
                                  default=FrecuenciaCorreo.INMEDIATO)
    ultimo_resumen = models.DateTimeField(_("último resumen"), null=True, blank=True)

    class Meta:
        verbose_name = _("preferencia de correo")
        verbose_name_plural = _("preferencias de correo")

    def __str__(self) -> str:
        return f"{self.usuario_id} {self.frecuencia}"


class CorreoPendiente(models.Model):
    """A notification waiting for the user's next digest e-mail (the e-mail text: for a
    TLP:RED incident, already the confidential wording)."""

    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="correos_pendientes")
    tipo = models.CharField(_("tipo"), max_length=60)
    texto = models.CharField(_("texto"), max_length=300)
    enlace = models.CharField(_("enlace"), max_length=300, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        verbose_name = _("correo pendiente")
        verbose_name_plural = _("correos pendientes")
        ordering = ["id"]
        indexes = [models.Index(fields=["usuario", "id"], name="correo_pendiente_usuario")]

    def __str__(self) -> str:
        return f"{self.usuario_id}: {self.texto}"
