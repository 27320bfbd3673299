from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .plan import PlanInstitucional


class EstadoAprobacion(models.TextChoices):
    POR_ENVIAR = "por_enviar", _("Por enviar (reintentando)")
    ENVIADA = "enviada", _("Enviada: esperando la aprobación")
    APROBADA = "aprobada", _("Aprobada")
    RECHAZADA = "rechazada", _("Rechazada")
    HASH_DISTINTO = "hash_distinto", _("Rechazada por la plataforma: el hash no coincide")


ESTADOS_ACTIVOS = (EstadoAprobacion.POR_ENVIAR, EstadoAprobacion.ENVIADA,
                   EstadoAprobacion.APROBADA)


class AprobacionDocumento(models.Model):
    """One request to Ciudadanía Digital's Aprobación de Documentos for a plan's conformity
    document (the PISI summary PDF), and the evidence that came back. At most one active
    (to send, sent, approved) per plan; a rejected one can be followed by a new request."""

    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE,
                             related_name="aprobaciones_documento")
    estado = models.CharField(_("estado"), max_length=15, choices=EstadoAprobacion.choices,
                              default=EstadoAprobacion.POR_ENVIAR)
    solicitado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       related_name="+")
    solicitado_en = models.DateTimeField(_("solicitado en"), default=timezone.now)
    documento_ruta = models.CharField(_("documento enviado"), max_length=255)
    sha256 = models.CharField(_("SHA-256 del documento enviado"), max_length=64)
    documento_identidad = models.CharField(_("documento de identidad de quien aprueba"),
                                           max_length=30)
    solicitud_id = models.CharField(_("identificador de la solicitud"), max_length=80,
                                    blank=True)
    url_aprobacion = models.URLField(_("dirección para aprobar"), max_length=500, blank=True)
    intentos = models.PositiveSmallIntegerField(_("intentos de envío"), default=0)
    ultimo_error = models.CharField(_("último error"), max_length=300, blank=True)
    enviado_en = models.DateTimeField(_("enviado en"), null=True, blank=True)
    # The evidence the service returned.
    codigo = models.CharField(_("código de aprobación"), max_length=80, blank=True)
    aprobado_por = models.CharField(_("aprobado por"), max_length=200, blank=True)
    aprobado_en = models.DateTimeField(_("aprobado en"), null=True, blank=True)
    sha256_devuelto = models.CharField(_("SHA-256 registrado por el servicio"), max_length=64,
                                       blank=True)
    motivo = models.CharField(_("motivo del rechazo"), max_length=500, blank=True)
    respondido_en = models.DateTimeField(_("respuesta registrada en"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "-solicitado_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(estado__in=["por_enviar", "enviada", "aprobada"]),
                name="pisi_aprobacion_activa_unica"),
        ]
        verbose_name = _("aprobación de documento (Ciudadanía Digital)")
        verbose_name_plural = _("aprobaciones de documento (Ciudadanía Digital)")

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.get_estado_display()}"
