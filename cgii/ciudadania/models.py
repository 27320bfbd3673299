from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class DispositivoCiudadania(Device):
    """The second factor Ciudadanía Digital asserted (``amr``/``acr``), as a django-otp device.

    Logging a staff session in with it (``django_otp.login``) makes ``user.is_verified()``
    true, so the staff middleware, the admin and token creation treat it exactly like a TOTP
    code, with no special case anywhere. It accepts no code (``verify_token`` is always
    False): the only way to use it is a provider-signed ID token that asserts the factor.
    ``sin_codigo`` tells the TOTP enrolment it is not an authenticator app.
    """

    sin_codigo = True

    class Meta:
        verbose_name = _("segundo factor de Ciudadanía Digital")
        verbose_name_plural = _("segundos factores de Ciudadanía Digital")

    def verify_token(self, token):
        return False


class EstadoNotificacion(models.TextChoices):
    POR_ENVIAR = "por_enviar", _("En cola (reintentando)")
    ENVIADA = "enviada", _("Enviada")
    ENTREGADA = "entregada", _("Entregada en el buzón")


class NotificacionElectronica(models.Model):
    """A notice with legal effect sent through Ciudadanía Digital's Notificaciones
    Electrónicas for a domain object (``origen`` + ``objeto_id``; core names no domain app).
    When the service reports it delivered, the outbox event
    ``ciudadania.notificacion_entregada`` tells the domain app, which counts its legal
    deadline from ``entregada_en`` with its business calendar."""

    origen = models.CharField(_("origen"), max_length=60)
    objeto_id = models.BigIntegerField(_("objeto"))
    entidad = models.ForeignKey("entidades.Entidad", on_delete=models.PROTECT, related_name="+")
    destinatario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    documento_identidad = models.CharField(_("documento de identidad"), max_length=30)
    asunto = models.CharField(_("asunto"), max_length=200)
    cuerpo = models.TextField(_("contenido"))
    plazo_dias_habiles = models.PositiveSmallIntegerField(_("plazo legal (días hábiles)"),
                                                          null=True, blank=True)
    estado = models.CharField(_("estado"), max_length=12, choices=EstadoNotificacion.choices,
                              default=EstadoNotificacion.POR_ENVIAR)
    envio_id = models.CharField(_("identificador en el servicio"), max_length=80, blank=True)
    intentos = models.PositiveSmallIntegerField(_("intentos"), default=0)
    ultimo_error = models.CharField(_("último error"), max_length=300, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    enviada_en = models.DateTimeField(_("enviada en"), null=True, blank=True)
    entregada_en = models.DateTimeField(_("entregada en"), null=True, blank=True)

    class Meta:
        ordering = ["-creado"]
        indexes = [models.Index(fields=["origen", "objeto_id"], name="cd_notif_objeto"),
                   models.Index(fields=["estado"], name="cd_notif_estado")]
        verbose_name = _("notificación electrónica")
        verbose_name_plural = _("notificaciones electrónicas")

    def __str__(self) -> str:
        return f"{self.asunto} → {self.destinatario_id} ({self.get_estado_display()})"
