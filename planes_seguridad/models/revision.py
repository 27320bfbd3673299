"""CGII's review of a plan, in rounds (issue 23): each time a submitted plan goes under review
a round opens with a snapshot of what is reviewed (``diferencias.instantanea``); the auditor
records observations per section and per control; ``observar`` or ``dar_conformidad`` closes
the round. The entity answers each observation; in the next round the auditor marks each
answer as addressed or reopens it. Observations have their own status, kept apart from the
plan's workflow status, the follow-up result and the findings' grade."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RondaRevision(models.Model):
    plan = models.ForeignKey("PlanInstitucional", on_delete=models.CASCADE,
                             related_name="rondas")
    numero = models.PositiveSmallIntegerField(_("número"))
    abierta_en = models.DateTimeField(_("abierta en"), default=timezone.now)
    abierta_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    cerrada_en = models.DateTimeField(_("cerrada en"), null=True, blank=True)
    # The state the plan left the review for: observado or conforme.
    resultado = models.CharField(_("resultado"), max_length=20, blank=True)
    instantanea = models.JSONField(_("lo revisado al abrir la ronda"), default=dict)

    class Meta:
        ordering = ["plan", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "numero"], name="pisi_ronda_numero"),
            models.UniqueConstraint(fields=["plan"], condition=Q(cerrada_en__isnull=True),
                                    name="pisi_ronda_abierta_unica"),
        ]
        verbose_name = _("ronda de revisión")
        verbose_name_plural = _("rondas de revisión")

    def __str__(self) -> str:
        return f"{self.plan_id} ronda {self.numero}"

    @property
    def abierta(self) -> bool:
        return self.cerrada_en is None


class SeccionPlan(models.TextChoices):
    GENERAL = "general", _("General")
    ALCANCE = "alcance", _("Alcance")
    ORGANIZACION = "organizacion", _("RSI y Comité de Seguridad")
    POLITICA = "politica", _("Política de seguridad")
    ACTIVOS = "activos", _("Inventario de activos")
    RIESGOS = "riesgos", _("Evaluación de riesgos")
    SOA = "soa", _("Declaración de aplicabilidad")
    CRONOGRAMA = "cronograma", _("Cronograma")


class EstadoObservacion(models.TextChoices):
    ABIERTA = "abierta", _("Sin responder")
    RESPONDIDA = "respondida", _("Respondida")
    ATENDIDA = "atendida", _("Atendida")


class Observacion(models.Model):
    plan = models.ForeignKey("PlanInstitucional", on_delete=models.CASCADE,
                             related_name="observaciones_revision")
    ronda = models.ForeignKey(RondaRevision, on_delete=models.PROTECT,
                              related_name="observaciones")
    seccion = models.CharField(_("sección"), max_length=15, choices=SeccionPlan.choices)
    # Per control: one SoA row of the plan (seccion "soa").
    aplicabilidad = models.ForeignKey("Aplicabilidad", on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="observaciones",
                                      verbose_name=_("control"))
    texto = models.TextField(_("observación"))
    autor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    creada = models.DateTimeField(_("creada"), default=timezone.now)
    estado = models.CharField(_("estado"), max_length=12, choices=EstadoObservacion.choices,
                              default=EstadoObservacion.ABIERTA)
    respuesta = models.TextField(_("respuesta de la entidad"), blank=True)
    respondida_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    respondida_en = models.DateTimeField(_("respondida en"), null=True, blank=True)
    atendida_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    atendida_en = models.DateTimeField(_("atendida en"), null=True, blank=True)
    comentario_cgii = models.TextField(_("comentario del CGII sobre la respuesta"), blank=True)

    class Meta:
        ordering = ["plan", "ronda__numero", "id"]
        indexes = [models.Index(fields=["plan", "estado"], name="pisi_observacion_estado")]
        constraints = [
            models.CheckConstraint(condition=~Q(estado="respondida") | ~Q(respuesta=""),
                                   name="pisi_observacion_respuesta"),
        ]
        verbose_name = _("observación de la revisión")
        verbose_name_plural = _("observaciones de la revisión")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.seccion} {self.pk}"
