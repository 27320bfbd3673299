"""A report file generated in the background (large PDF/XLSX of ``asincrono`` types)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormatoArchivo(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"


class EstadoReporte(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    GENERANDO = "generando", _("Generando")
    LISTO = "listo", _("Listo")
    ERROR = "error", _("Error")


class ReporteGenerado(models.Model):
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="reportes_generados")
    tipo = models.CharField(_("tipo de reporte"), max_length=80)  # registro.TipoReporte.clave
    # The request's query as {name: [values]}: the task re-validates it with the type's
    # form as this user, so what is generated is what the user may see *when it runs*.
    parametros = models.JSONField(_("parámetros"), default=dict, blank=True)
    formato = models.CharField(max_length=8, choices=FormatoArchivo.choices)
    estado = models.CharField(max_length=12, choices=EstadoReporte.choices,
                              default=EstadoReporte.PENDIENTE)
    progreso = models.PositiveSmallIntegerField(default=0)
    mensaje = models.CharField(max_length=2000, blank=True)
    ruta = models.CharField(max_length=300, blank=True)  # relative to ARCHIVOS_PRIVADOS_DIR
    nombre = models.CharField(max_length=200, blank=True)  # download name, with extension
    tamano = models.PositiveBigIntegerField(default=0)
    creado = models.DateTimeField(auto_now_add=True)
    terminado_en = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reporte generado")
        verbose_name_plural = _("reportes generados")
        ordering = ["-creado", "-id"]
        indexes = [models.Index(fields=["usuario", "-creado"], name="reporte_usuario_creado")]

    def __str__(self):
        return f"{self.tipo} · {self.formato} · {self.get_estado_display()}"
