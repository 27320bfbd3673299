"""Follow-up periods, the auditor's per-control review, findings, and the frozen snapshot
each closed period leaves behind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ..permisos import permiso_transicion_periodo
from ..states import EstadoPeriodo, revision_completa
from .plan import Aplicabilidad, EstadoImplementacion, PlanInstitucional


class PeriodoSeguimiento(ConcurrentTransitionMixin, models.Model):
    plan = models.ForeignKey(PlanInstitucional, on_delete=models.PROTECT,
                             related_name="periodos")
    nombre = models.CharField(_("nombre"), max_length=120)
    fecha_corte = models.DateField(_("fecha de corte"))
    estado = FSMField(_("estado"), max_length=12, choices=EstadoPeriodo.choices,
                      default=EstadoPeriodo.ABIERTO, protected=True)
    abierto_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    creado = models.DateTimeField(_("abierto en"), default=timezone.now)
    presentado_en = models.DateTimeField(_("presentado en"), null=True, blank=True)
    cerrado_en = models.DateTimeField(_("cerrado en"), null=True, blank=True)
    cerrado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["plan", "fecha_corte", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=~Q(estado="cerrado"),
                                    name="pisi_un_periodo_abierto"),
        ]
        verbose_name = _("periodo de seguimiento")
        verbose_name_plural = _("periodos de seguimiento")

    def __str__(self) -> str:
        return self.nombre

    def controles_sin_revisar(self) -> int:
        cache = getattr(self, "_sin_revisar", None)
        if cache is not None:
            return cache
        return self.revisiones.filter(aplicabilidad__aplica=True, resultado="").count()

    @transition(field=estado, source=EstadoPeriodo.ABIERTO, target=EstadoPeriodo.EN_REVISION,
                permission=permiso_transicion_periodo("presentar"))
    def presentar(self):
        pass

    @transition(field=estado, source=EstadoPeriodo.EN_REVISION, target=EstadoPeriodo.ABIERTO,
                permission=permiso_transicion_periodo("devolver"))
    def devolver(self):
        pass

    @transition(field=estado, source=EstadoPeriodo.EN_REVISION, target=EstadoPeriodo.CERRADO,
                conditions=[revision_completa], permission=permiso_transicion_periodo("cerrar"))
    def cerrar(self):
        pass


class Resultado(models.TextChoices):
    CUMPLE = "cumple", _("Cumple")
    CUMPLE_PARCIALMENTE = "cumple_parcialmente", _("Cumple parcialmente")
    NO_CUMPLE = "no_cumple", _("No cumple")
    NO_APLICA = "no_aplica", _("No aplica")


# Score of each result; "no aplica" is excluded from the average (None).
PUNTAJE = {Resultado.CUMPLE: 1, Resultado.CUMPLE_PARCIALMENTE: 0.5, Resultado.NO_CUMPLE: 0,
           Resultado.NO_APLICA: None}


class RevisionControl(models.Model):
    """One control in one period: what the entity reported, and the auditor's result.
    The result (compliance) is kept apart from the implementation status (workflow)."""

    periodo = models.ForeignKey(PeriodoSeguimiento, on_delete=models.CASCADE,
                                related_name="revisiones")
    aplicabilidad = models.ForeignKey(Aplicabilidad, on_delete=models.CASCADE,
                                      related_name="revisiones")
    estado_reportado = models.CharField(_("estado reportado"), max_length=15, blank=True,
                                        choices=EstadoImplementacion.choices)
    madurez_reportada = models.PositiveSmallIntegerField(_("madurez reportada"), null=True,
                                                         blank=True)
    comentario_entidad = models.TextField(_("avance reportado"), blank=True)
    reportado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    reportado_en = models.DateTimeField(_("reportado en"), null=True, blank=True)
    resultado = models.CharField(_("resultado"), max_length=20, blank=True,
                                 choices=Resultado.choices)
    comentario_auditor = models.TextField(_("comentario del auditor"), blank=True)
    revisado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    revisado_en = models.DateTimeField(_("revisado en"), null=True, blank=True)

    class Meta:
        ordering = ["periodo", "aplicabilidad__control__orden"]
        constraints = [
            models.UniqueConstraint(fields=["periodo", "aplicabilidad"],
                                    name="pisi_revision_unica"),
        ]
        verbose_name = _("revisión de control")
        verbose_name_plural = _("revisiones de controles")

    def __str__(self) -> str:
        return f"{self.periodo_id} {self.aplicabilidad_id} {self.resultado}"


class Grado(models.TextChoices):
    NO_CONFORMIDAD_MAYOR = "no_conformidad_mayor", _("No conformidad mayor")
    NO_CONFORMIDAD_MENOR = "no_conformidad_menor", _("No conformidad menor")
    OBSERVACION = "observacion", _("Observación")
    OPORTUNIDAD_MEJORA = "oportunidad_mejora", _("Oportunidad de mejora")


class EstadoHallazgo(models.TextChoices):
    ABIERTO = "abierto", _("Abierto")
    CERRADO = "cerrado", _("Cerrado")


class OrigenHallazgo(models.TextChoices):
    AUDITORIA = "auditoria", _("Revisión del CGII")
    INCIDENTE = "incidente", _("Incidente")
    AUTOEVALUACION = "autoevaluacion", _("Autoevaluación de la entidad")


class Hallazgo(models.Model):
    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE,
                             related_name="hallazgos")
    # Null while the plan has no open period; the next period to open adopts it.
    periodo = models.ForeignKey(PeriodoSeguimiento, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="hallazgos")
    aplicabilidad = models.ForeignKey(Aplicabilidad, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="hallazgos",
                                      verbose_name=_("control"))
    control_numero = models.CharField(_("control"), max_length=20, blank=True)
    grado = models.CharField(_("grado"), max_length=25, choices=Grado.choices)
    descripcion = models.TextField(_("descripción"))
    causa_raiz = models.TextField(_("causa raíz"), blank=True)
    accion_correctiva = models.TextField(_("acción correctiva"), blank=True)
    responsable = models.CharField(_("responsable"), max_length=200, blank=True)
    fecha_compromiso = models.DateField(_("fecha compromiso"), null=True, blank=True)
    estado = models.CharField(_("estado"), max_length=10, choices=EstadoHallazgo.choices,
                              default=EstadoHallazgo.ABIERTO)
    origen = models.CharField(_("origen"), max_length=15, choices=OrigenHallazgo.choices,
                              default=OrigenHallazgo.AUDITORIA)
    incidente_id = models.BigIntegerField(_("id del incidente"), null=True, blank=True)
    incidente_codigo = models.CharField(_("incidente"), max_length=30, blank=True)
    registrado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    cerrado_en = models.DateTimeField(_("cerrado en"), null=True, blank=True)
    cerrado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    comentario_cierre = models.TextField(_("comentario de cierre"), blank=True)

    class Meta:
        ordering = ["plan", "-creado", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "incidente_id", "control_numero"],
                                    condition=Q(incidente_id__isnull=False),
                                    name="pisi_hallazgo_incidente_unico"),
        ]
        verbose_name = _("hallazgo")
        verbose_name_plural = _("hallazgos")

    def __str__(self) -> str:
        return f"{self.get_grado_display()}: {self.descripcion[:60]}"


class SnapshotInmutable(Exception):
    """Raised on any attempt to change or delete a frozen snapshot row."""


class SnapshotQuerySet(models.QuerySet):
    # Bulk paths skip save()/delete(); the PostgreSQL trigger (migration 0002) is the real
    # guarantee.
    def update(self, **kwargs):
        raise SnapshotInmutable("La instantánea de un periodo cerrado no se modifica.")

    def delete(self):
        raise SnapshotInmutable("La instantánea de un periodo cerrado no se borra.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise SnapshotInmutable("La instantánea de un periodo cerrado no se modifica.")


class SoloInsercion(models.Model):
    """A frozen row: inserted once (by the closing service), never updated or deleted. The
    model and queryset refuse it; on PostgreSQL a trigger per table refuses it too."""

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SnapshotInmutable("La instantánea de un periodo cerrado no se modifica.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotInmutable("La instantánea de un periodo cerrado no se borra.")


class SnapshotControl(SoloInsercion):
    """Frozen state of one control when its period closed. Only inserted (by the closing
    service, in the closing transaction); never updated or deleted. Trends read only these."""

    periodo = models.ForeignKey(PeriodoSeguimiento, on_delete=models.PROTECT,
                                related_name="snapshot")
    control_numero = models.CharField(_("control"), max_length=12)
    control_titulo = models.CharField(_("título"), max_length=200)
    dominio_numero = models.CharField(_("dominio"), max_length=10)
    dominio_titulo = models.CharField(_("título del dominio"), max_length=200)
    orden = models.PositiveSmallIntegerField(_("orden"))
    aplica = models.BooleanField(_("aplica"), null=True)
    estado_implementacion = models.CharField(_("estado de implementación"), max_length=15)
    madurez = models.PositiveSmallIntegerField(_("madurez"))
    resultado = models.CharField(_("resultado"), max_length=20)
    puntaje = models.DecimalField(_("puntaje"), max_digits=3, decimal_places=2, null=True)
    peso = models.PositiveSmallIntegerField(_("peso"))
    evidencias_aprobadas = models.PositiveSmallIntegerField(_("evidencias aprobadas"))
    evidencia_presente = models.BooleanField(_("evidencia presente"))
    hallazgos_abiertos = models.PositiveSmallIntegerField(_("hallazgos abiertos"))
    creado = models.DateTimeField(_("congelado en"), default=timezone.now)

    class Meta:
        ordering = ["periodo", "orden"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["periodo", "control_numero"],
                                    name="pisi_snapshot_control_unico"),
        ]
        verbose_name = _("instantánea de control")
        verbose_name_plural = _("instantáneas de controles")

    def __str__(self) -> str:
        return f"{self.periodo_id} {self.control_numero} {self.resultado}"


class SnapshotPeriodo(SoloInsercion):
    """What the compliance report reads besides the controls, frozen when the period closes:
    the governance facts, the schedule and the findings as they stood at that instant, so a
    later edit of an activity's dates or a finding's grade never moves a signed report. Only
    inserted (by the closing service, in the closing transaction); never updated or deleted."""

    periodo = models.OneToOneField(PeriodoSeguimiento, on_delete=models.PROTECT,
                                   related_name="resumen_congelado")
    # {"rsi": "nombre"|"", "comite": n, "politica_aprobada_en": "AAAA-MM-DD"|None,
    #  "politica_presente": bool, "aprobado_en": iso|None, "resolucion_cite": "",
    #  "resolucion_fecha": "AAAA-MM-DD"|None}
    gobernanza = models.JSONField(_("gobernanza"))
    # [{"titulo", "fin_planificado", "fin_real", "avance"}] (dates ISO)
    actividades = models.JSONField(_("cronograma"))
    # [{"grado", "creado", "cerrado_en"}] (instants ISO), every finding recorded by then
    hallazgos = models.JSONField(_("hallazgos"))
    creado = models.DateTimeField(_("congelado en"), default=timezone.now)

    class Meta:
        default_permissions = ("view",)
        verbose_name = _("instantánea del periodo")
        verbose_name_plural = _("instantáneas de periodos")

    def __str__(self) -> str:
        return f"{self.periodo_id}"
