"""Every message read from the intake mailbox, once, and the mailbox's own state.

A row is written in the same transaction as what the message caused (an incident, a
timeline message, a triage item), under a unique (folder, UIDVALIDITY, UID): a crash before
the commit leaves nothing and the message is read again; a crash after it leaves the row,
and the next run only moves the message to the processed folder.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cgii.etiquetas import EtiquetasEnCache


class Clase(models.TextChoices):
    REPORTE = "reporte", _("Reporte de una entidad")
    RESPUESTA = "respuesta", _("Respuesta en un incidente")
    SIN_ENTIDAD = "sin_entidad", _("Correo sin entidad (triaje)")
    AUTOMATICO = "automatico", _("Automático (ignorado)")
    RECHAZADO = "rechazado", _("Rechazado")
    DUPLICADO = "duplicado", _("Duplicado (ignorado)")


class EstadoTriaje(models.TextChoices):
    NINGUNO = "", _("—")
    PENDIENTE = "pendiente", _("Pendiente")
    CONVERTIDO = "convertido", _("Convertido en incidente")
    DESCARTADO = "descartado", _("Descartado")


class CorreoEntrante(EtiquetasEnCache, models.Model):
    carpeta = models.CharField(_("carpeta"), max_length=200)
    uidvalidity = models.BigIntegerField("UIDVALIDITY")
    uid = models.BigIntegerField("UID")
    message_id = models.CharField("Message-ID", max_length=500, blank=True, db_index=True)
    remitente = models.CharField(_("remitente"), max_length=320, blank=True, db_index=True)
    remitente_nombre = models.CharField(_("nombre del remitente"), max_length=200, blank=True)
    asunto = models.CharField(_("asunto"), max_length=500, blank=True)
    fecha = models.DateTimeField(_("fecha del mensaje"), null=True, blank=True)
    recibido = models.DateTimeField(_("leído"), default=timezone.now, db_index=True)
    tamano = models.BigIntegerField(_("tamaño (bytes)"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    ruta_eml = models.CharField(_("mensaje original (.eml)"), max_length=255, blank=True)
    clase = models.CharField(_("clase"), max_length=12, choices=Clase.choices)
    motivo = models.TextField(_("motivo"), blank=True)
    texto = models.TextField(_("texto (saneado)"), blank=True)
    # [{"nombre", "tipo", "tamano", "sha256", "error"}]
    adjuntos = models.JSONField(_("adjuntos"), default=list, blank=True)
    # [{"original", "tipo", "valor", "fuente"}] for an analyst to accept
    candidatos = models.JSONField(_("indicadores candidatos"), default=list, blank=True)
    # {"spf", "dkim", "dmarc", "authserv_id", "verificable", "cabecera"}
    autenticacion = models.JSONField(_("autenticación (SPF/DKIM/DMARC)"), default=dict,
                                     blank=True)
    confiable = models.BooleanField(_("remitente confiable"), default=False)
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+", verbose_name=_("usuario"))
    incidente = models.ForeignKey("incidentes.Incidente", on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="correos",
                                  verbose_name=_("incidente"))
    entrada_id = models.BigIntegerField(_("entrada de la línea de tiempo"), null=True,
                                        blank=True)
    estado_triaje = models.CharField(_("triaje"), max_length=12, choices=EstadoTriaje.choices,
                                     default=EstadoTriaje.NINGUNO, blank=True)
    resuelto_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    resuelto_en = models.DateTimeField(_("resuelto en"), null=True, blank=True)
    nota_triaje = models.TextField(_("nota del triaje"), blank=True)

    class Meta:
        ordering = ["-recibido", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["carpeta", "uidvalidity", "uid"],
                                    name="correo_uid_unico"),
        ]
        indexes = [models.Index(fields=["estado_triaje", "-recibido"], name="correo_triaje")]
        verbose_name = _("correo entrante")
        verbose_name_plural = _("correos entrantes")

    def __str__(self) -> str:
        return f"{self.remitente}: {self.asunto}"


class EstadoBuzon(models.Model):
    """One row: how the last reads of the mailbox went (shown on /salud/)."""

    ultimo_intento = models.DateTimeField(null=True, blank=True)
    ultima_lectura_ok = models.DateTimeField(null=True, blank=True)
    ultimo_error = models.TextField(blank=True)
    fallos_seguidos = models.PositiveIntegerField(default=0)
    procesados = models.PositiveBigIntegerField(default=0)
    uidvalidity = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("estado del buzón")
        verbose_name_plural = _("estado del buzón")

    def __str__(self) -> str:
        return f"buzón: {self.ultima_lectura_ok}"
