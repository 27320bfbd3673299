"""Taxonomy, protocols, priority matrix, SLA policies, the business calendar and SLA clocks.

Everything except the clocks is data loaded from the versioned YAML in ``catalogos/`` and
editable in the admin; code never hard-codes a rule an administrator may want to change.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

PRIORIDADES = ("P1", "P2", "P3", "P4")


class Prioridad(models.TextChoices):
    P1 = "P1", _("P1 — crítica")
    P2 = "P2", _("P2 — alta")
    P3 = "P3", _("P3 — media")
    P4 = "P4", _("P4 — baja")


class VersionCatalogo(models.Model):
    """The loaded version of one YAML catalog; the fingerprint makes reloading a no-op."""

    nombre = models.CharField(_("catálogo"), max_length=80, unique=True)
    version = models.PositiveIntegerField(_("versión"))
    huella = models.CharField(_("huella SHA-256"), max_length=64)
    cargado_en = models.DateTimeField(_("cargado en"), auto_now=True)

    class Meta:
        verbose_name = _("versión de catálogo")
        verbose_name_plural = _("versiones de catálogos")

    def __str__(self) -> str:
        return f"{self.nombre} v{self.version}"


class Parametro(models.Model):
    """Small settings that are data (priority of unclassified incidents, auto-close days…)."""

    clave = models.CharField(_("clave"), max_length=80, unique=True)
    valor = models.JSONField(_("valor"))
    descripcion = models.CharField(_("descripción"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("parámetro")
        verbose_name_plural = _("parámetros")

    def __str__(self) -> str:
        return self.clave


class ClaseIncidente(models.Model):
    codigo = models.SlugField(_("código"), max_length=60, unique=True)
    nombre = models.CharField(_("nombre"), max_length=120)
    nombre_en = models.CharField(_("nombre en inglés"), max_length=120)
    orden = models.PositiveSmallIntegerField(_("orden"), default=0)
    activa = models.BooleanField(_("activa"), default=True)

    class Meta:
        ordering = ["orden"]
        verbose_name = _("clase de incidente")
        verbose_name_plural = _("clases de incidente")

    def __str__(self) -> str:
        return self.nombre


class TipoIncidente(models.Model):
    clase = models.ForeignKey(ClaseIncidente, on_delete=models.PROTECT, related_name="tipos",
                              verbose_name=_("clase"))
    codigo = models.SlugField(_("código"), max_length=60, unique=True)
    nombre = models.CharField(_("nombre"), max_length=120)
    nombre_en = models.CharField(_("nombre en inglés"), max_length=120)
    descripcion = models.TextField(_("descripción"), blank=True)
    impacto = models.PositiveSmallIntegerField(_("impacto por defecto"), default=2)
    protocolo_codigo = models.SlugField(_("protocolo"), max_length=60)
    version_catalogo = models.PositiveIntegerField(_("versión de la taxonomía"))
    orden = models.PositiveSmallIntegerField(_("orden"), default=0)
    activo = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["clase__orden", "orden"]
        verbose_name = _("tipo de incidente")
        verbose_name_plural = _("tipos de incidente")

    def __str__(self) -> str:
        return f"{self.clase.nombre} / {self.nombre}"


class Protocolo(models.Model):
    """One version of a protocol. A new version is a new row: incidents keep theirs."""

    codigo = models.SlugField(_("código"), max_length=60)
    version = models.PositiveIntegerField(_("versión"))
    nombre = models.CharField(_("nombre"), max_length=160)
    nombre_en = models.CharField(_("nombre en inglés"), max_length=160)
    descripcion = models.TextField(_("descripción"), blank=True)
    referencias = models.JSONField(_("referencias"), default=list, blank=True)
    # [{"codigo": "triaje", "estado": "en_triaje", "nombre": "Triaje"}, …] in order.
    fases = models.JSONField(_("fases"), default=list)
    # {"contener": ["analista", "coordinador"], …}
    transiciones = models.JSONField(_("roles por transición"), default=dict)
    vigente = models.BooleanField(_("versión vigente"), default=True)
    huella = models.CharField(_("huella SHA-256"), max_length=64)
    cargado_en = models.DateTimeField(_("cargado en"), auto_now_add=True)

    class Meta:
        ordering = ["codigo", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["codigo", "version"], name="protocolo_version_unica"),
            models.UniqueConstraint(fields=["codigo"], condition=models.Q(vigente=True),
                                    name="protocolo_una_vigente"),
        ]
        verbose_name = _("protocolo")
        verbose_name_plural = _("protocolos")

    def __str__(self) -> str:
        return f"{self.nombre} (v{self.version})"


class RolPaso(models.TextChoices):
    ANALISTA = "analista", _("Analista CGII")
    COORDINADOR = "coordinador", _("Coordinador CGII")
    REPORTANTE = "reportante", _("Reportante de la entidad")
    RSI = "rsi", _("Responsable de Seguridad de la Información")


class Paso(models.Model):
    protocolo = models.ForeignKey(Protocolo, on_delete=models.CASCADE, related_name="pasos",
                                  verbose_name=_("protocolo"))
    fase = models.SlugField(_("fase"), max_length=30)
    estado = models.SlugField(_("estado del incidente"), max_length=30)
    orden = models.PositiveSmallIntegerField(_("orden"))
    codigo = models.SlugField(_("código"), max_length=80)
    titulo = models.CharField(_("título"), max_length=200)
    instrucciones = models.TextField(_("instrucciones"))
    obligatorio = models.BooleanField(_("obligatorio"), default=True)
    rol = models.CharField(_("rol"), max_length=20, choices=RolPaso.choices)
    requiere_evidencia = models.BooleanField(_("requiere evidencia"), default=False)
    requiere_nota = models.BooleanField(_("requiere nota"), default=False)

    class Meta:
        ordering = ["protocolo", "orden"]
        constraints = [
            models.UniqueConstraint(fields=["protocolo", "codigo"], name="paso_codigo_unico"),
        ]
        verbose_name = _("paso de protocolo")
        verbose_name_plural = _("pasos de protocolo")

    def __str__(self) -> str:
        return self.titulo


class ReglaPrioridad(models.Model):
    """One cell of the impact × urgency matrix."""

    impacto = models.PositiveSmallIntegerField(_("impacto"))
    urgencia = models.PositiveSmallIntegerField(_("urgencia"))
    prioridad = models.CharField(_("prioridad"), max_length=2, choices=Prioridad.choices)

    class Meta:
        ordering = ["-impacto", "-urgencia"]
        constraints = [
            models.UniqueConstraint(fields=["impacto", "urgencia"], name="regla_prioridad_unica"),
        ]
        verbose_name = _("regla de prioridad")
        verbose_name_plural = _("matriz de prioridad")

    def __str__(self) -> str:
        return f"I{self.impacto} × U{self.urgencia} → {self.prioridad}"


class CalendarioLaboral(models.Model):
    codigo = models.SlugField(_("código"), max_length=30, unique=True)
    nombre = models.CharField(_("nombre"), max_length=120)
    continuo = models.BooleanField(_("24×7"), default=False)
    zona = models.CharField(_("zona horaria"), max_length=60, default="America/La_Paz")
    dias = models.JSONField(_("días laborables (0 = lunes)"), default=list, blank=True)
    desde = models.TimeField(_("desde"), null=True, blank=True)
    hasta = models.TimeField(_("hasta"), null=True, blank=True)
    feriados_pais = models.CharField(_("feriados nacionales de"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("calendario")
        verbose_name_plural = _("calendarios")

    def __str__(self) -> str:
        return self.nombre


class DiaNoLaborable(models.Model):
    """A day an administrator declares non-working (e.g. a decreed holiday); applies to
    every business-hours calendar, on top of the national holidays."""

    fecha = models.DateField(_("fecha"), unique=True)
    motivo = models.CharField(_("motivo"), max_length=200)

    class Meta:
        ordering = ["fecha"]
        verbose_name = _("día no laborable adicional")
        verbose_name_plural = _("días no laborables adicionales")

    def __str__(self) -> str:
        return f"{self.fecha:%d/%m/%Y} — {self.motivo}"


class PoliticaSLA(models.Model):
    prioridad = models.CharField(_("prioridad"), max_length=2, choices=Prioridad.choices,
                                 unique=True)
    nombre = models.CharField(_("nombre"), max_length=80)
    calendario = models.ForeignKey(CalendarioLaboral, on_delete=models.PROTECT,
                                   verbose_name=_("calendario"))
    acuse_min = models.PositiveIntegerField(_("primera respuesta (min)"))
    contencion_min = models.PositiveIntegerField(_("contención (min)"))
    resolucion_min = models.PositiveIntegerField(_("resolución (min)"))
    umbral_advertencia = models.DecimalField(_("umbral de advertencia"), max_digits=3,
                                             decimal_places=2, default=0.75)
    estados_pausa = models.JSONField(_("estados que pausan el reloj"), default=list)
    escalar_advertencia = models.JSONField(_("escalar al advertir a"), default=list)
    escalar_incumplimiento = models.JSONField(_("escalar al incumplir a"), default=list)

    class Meta:
        ordering = ["prioridad"]
        verbose_name = _("política de SLA")
        verbose_name_plural = _("políticas de SLA")

    def __str__(self) -> str:
        return f"{self.prioridad} — {self.nombre}"

    def objetivo_min(self, medida: str) -> int:
        return getattr(self, f"{medida}_min")


class Medida(models.TextChoices):
    ACUSE = "acuse", _("Primera respuesta")
    CONTENCION = "contencion", _("Contención")
    RESOLUCION = "resolucion", _("Resolución")


class RelojSLA(models.Model):
    """One SLA clock of one subject (e.g. an incident). ``eventos`` is the source of truth
    (start/pause/resume/stop, see reloj.py); the other columns are its figures as of the
    last change, kept so the monitor finds crossings by index instead of recomputing."""

    ambito = models.CharField(_("ámbito"), max_length=30)
    objeto_id = models.BigIntegerField(_("objeto"))
    entidad_id = models.BigIntegerField(_("entidad"), null=True)
    medida = models.CharField(_("medida"), max_length=12, choices=Medida.choices)
    politica = models.ForeignKey(PoliticaSLA, on_delete=models.PROTECT, verbose_name=_("política"))
    objetivo_min = models.PositiveIntegerField(_("objetivo (min)"))
    eventos = models.JSONField(_("eventos"), default=list)
    estado = models.CharField(_("estado"), max_length=12, default="ok")
    vence = models.DateTimeField(_("vence"), null=True)
    advertencia_en = models.DateTimeField(_("advertencia en"), null=True)
    terminado_en = models.DateTimeField(_("terminado en"), null=True)
    proximo_umbral = models.DateTimeField(_("próximo umbral"), null=True)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ambito", "objeto_id", "medida"], name="reloj_unico"),
        ]
        indexes = [
            # The monitor's only query: clocks whose next threshold has passed.
            models.Index(fields=["proximo_umbral"], name="reloj_proximo_umbral",
                         condition=models.Q(proximo_umbral__isnull=False)),
        ]
        verbose_name = _("reloj de SLA")
        verbose_name_plural = _("relojes de SLA")

    def __str__(self) -> str:
        return f"{self.ambito}:{self.objeto_id} {self.medida}"


class TipoCruce(models.TextChoices):
    ADVERTENCIA = "advertencia", _("Advertencia")
    INCUMPLIMIENTO = "incumplimiento", _("Incumplimiento")


class CruceSLA(models.Model):
    """History of warnings and breaches; unique per clock, kind and threshold instant so a
    sweep run twice records each crossing once."""

    reloj = models.ForeignKey(RelojSLA, on_delete=models.CASCADE, related_name="cruces",
                              verbose_name=_("reloj"))
    tipo = models.CharField(_("tipo"), max_length=15, choices=TipoCruce.choices)
    umbral = models.DateTimeField(_("umbral"))
    detectado_en = models.DateTimeField(_("detectado en"), auto_now_add=True)
    escalado_a = models.JSONField(_("escalado a"), default=list)
    motivo = models.TextField(_("motivo"), blank=True)

    class Meta:
        ordering = ["-detectado_en"]
        constraints = [
            models.UniqueConstraint(fields=["reloj", "tipo", "umbral"], name="cruce_unico"),
        ]
        verbose_name = _("cruce de SLA")
        verbose_name_plural = _("cruces de SLA")

    def __str__(self) -> str:
        return f"{self.reloj} {self.tipo} {self.umbral:%Y-%m-%d %H:%M}"
