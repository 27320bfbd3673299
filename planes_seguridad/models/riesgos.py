"""Risk management as records (issue 23): the versioned catalogs of threats (MAGERIT v3) and
vulnerabilities, the configurable probability × impact matrix, and each plan's information
assets and risk scenarios (inherent risk, treatment linked to SoA controls and schedule
activities, residual risk, the MAE's acceptance).

Levels are computed by the services from the plan's matrix (``riesgo.nivel``) and stored with
the values they came from, so a register, a heat map or a report reads them without the
matrix; a new matrix version is a new row and a plan keeps the one it was evaluated with.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TipoCatalogoRiesgo(models.TextChoices):
    AMENAZAS = "amenazas", _("Amenazas")
    VULNERABILIDADES = "vulnerabilidades", _("Vulnerabilidades")


class CatalogoRiesgo(models.Model):
    codigo = models.SlugField(_("código"), max_length=40)
    version = models.PositiveIntegerField(_("versión"))
    tipo = models.CharField(_("tipo"), max_length=20, choices=TipoCatalogoRiesgo.choices)
    nombre = models.CharField(_("nombre"), max_length=200)
    fuente = models.CharField(_("fuente"), max_length=300, blank=True)
    huella = models.CharField(_("huella SHA-256"), max_length=64)
    vigente = models.BooleanField(_("vigente"), default=True)
    cargado_en = models.DateTimeField(_("cargado en"), auto_now_add=True)

    class Meta:
        ordering = ["tipo", "codigo", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["codigo", "version"],
                                    name="pisi_catalogo_riesgo_version"),
        ]
        verbose_name = _("catálogo de amenazas o vulnerabilidades")
        verbose_name_plural = _("catálogos de amenazas y vulnerabilidades")

    def __str__(self) -> str:
        return f"{self.nombre} (v{self.version})"


class ElementoRiesgo(models.Model):
    """A threat (MAGERIT code, e.g. A.24) or a vulnerability of a catalog version."""

    catalogo = models.ForeignKey(CatalogoRiesgo, on_delete=models.CASCADE,
                                 related_name="elementos")
    codigo = models.CharField(_("código"), max_length=20)
    grupo = models.CharField(_("grupo"), max_length=10)
    grupo_titulo = models.CharField(_("título del grupo"), max_length=120)
    titulo = models.CharField(_("título"), max_length=200)
    orden = models.PositiveSmallIntegerField(_("orden"))

    class Meta:
        ordering = ["catalogo", "orden"]
        constraints = [
            models.UniqueConstraint(fields=["catalogo", "codigo"],
                                    name="pisi_elemento_riesgo_codigo"),
        ]
        verbose_name = _("amenaza o vulnerabilidad")
        verbose_name_plural = _("amenazas y vulnerabilidades")

    def __str__(self) -> str:
        return f"[{self.codigo}] {self.titulo}"


class MatrizRiesgo(models.Model):
    """probabilidad × impacto → level. ``celdas[p - 1][i - 1]`` is a level code of
    ``niveles`` (ordered low → high)."""

    codigo = models.SlugField(_("código"), max_length=40)
    version = models.PositiveIntegerField(_("versión"))
    nombre = models.CharField(_("nombre"), max_length=200)
    probabilidad = models.JSONField(_("etiquetas de probabilidad"))
    impacto = models.JSONField(_("etiquetas de impacto"))
    niveles = models.JSONField(_("niveles"))  # [{"codigo": "bajo", "nombre": "Bajo"}, …]
    celdas = models.JSONField(_("celdas"))
    aceptacion_mae_desde = models.CharField(
        _("la MAE acepta el riesgo residual desde el nivel"), max_length=20)
    huella = models.CharField(_("huella SHA-256"), max_length=64)
    vigente = models.BooleanField(_("vigente"), default=True)
    cargado_en = models.DateTimeField(_("cargado en"), auto_now_add=True)

    class Meta:
        ordering = ["codigo", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["codigo", "version"], name="pisi_matriz_version"),
        ]
        verbose_name = _("matriz de riesgo")
        verbose_name_plural = _("matrices de riesgo")

    def __str__(self) -> str:
        return f"{self.nombre} (v{self.version})"


class TipoActivo(models.TextChoices):
    """Asset kinds as MAGERIT groups them (Libro II, chapter 2)."""

    INFORMACION = "informacion", _("Información / datos")
    SERVICIO = "servicio", _("Servicio")
    SOFTWARE = "software", _("Aplicación (software)")
    HARDWARE = "hardware", _("Equipo (hardware)")
    RED = "red", _("Red de comunicaciones")
    SOPORTE = "soporte", _("Soporte de información")
    AUXILIAR = "auxiliar", _("Equipamiento auxiliar")
    INSTALACION = "instalacion", _("Instalación")
    PERSONAL = "personal", _("Personal")


class Clasificacion(models.TextChoices):
    PUBLICA = "publica", _("Pública")
    INTERNA = "interna", _("Uso interno")
    CONFIDENCIAL = "confidencial", _("Confidencial")
    RESERVADA = "reservada", _("Reservada")


class ActivoInformacion(models.Model):
    plan = models.ForeignKey("PlanInstitucional", on_delete=models.CASCADE,
                             related_name="activos")
    codigo = models.CharField(_("código"), max_length=20)
    nombre = models.CharField(_("nombre"), max_length=200)
    tipo = models.CharField(_("tipo"), max_length=15, choices=TipoActivo.choices)
    descripcion = models.TextField(_("descripción"), blank=True)
    propietario = models.CharField(_("propietario"), max_length=200)
    ubicacion = models.CharField(_("ubicación"), max_length=200, blank=True)
    clasificacion = models.CharField(_("clasificación"), max_length=15,
                                     choices=Clasificacion.choices)
    valor_c = models.PositiveSmallIntegerField(_("valor de confidencialidad (1–5)"))
    valor_i = models.PositiveSmallIntegerField(_("valor de integridad (1–5)"))
    valor_d = models.PositiveSmallIntegerField(_("valor de disponibilidad (1–5)"))
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["plan", "codigo", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "codigo"], name="pisi_activo_codigo"),
            models.CheckConstraint(
                condition=Q(valor_c__gte=1, valor_c__lte=5, valor_i__gte=1, valor_i__lte=5,
                            valor_d__gte=1, valor_d__lte=5), name="pisi_activo_valores_1_5"),
        ]
        verbose_name = _("activo de información")
        verbose_name_plural = _("activos de información")

    def __str__(self) -> str:
        return f"{self.codigo} {self.nombre}"

    @property
    def valor(self) -> int:
        """The asset's value: the highest of its three dimensions."""
        return max(self.valor_c, self.valor_i, self.valor_d)


class Tratamiento(models.TextChoices):
    MITIGAR = "mitigar", _("Mitigar")
    TRANSFERIR = "transferir", _("Transferir")
    EVITAR = "evitar", _("Evitar")
    ACEPTAR = "aceptar", _("Aceptar")


class EscenarioRiesgo(models.Model):
    """One risk scenario: an asset, a threat, optionally a vulnerability; inherent risk;
    treatment (linked to SoA controls and schedule activities); residual risk, which exists
    only once a treatment is chosen; and the MAE's acceptance."""

    plan = models.ForeignKey("PlanInstitucional", on_delete=models.CASCADE,
                             related_name="riesgos")
    codigo = models.CharField(_("código"), max_length=20)
    activo = models.ForeignKey(ActivoInformacion, on_delete=models.PROTECT,
                               related_name="riesgos", verbose_name=_("activo"))
    amenaza = models.ForeignKey(ElementoRiesgo, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("amenaza"))
    vulnerabilidad = models.ForeignKey(ElementoRiesgo, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+",
                                       verbose_name=_("vulnerabilidad"))
    descripcion = models.TextField(_("descripción del escenario"), blank=True)
    probabilidad = models.PositiveSmallIntegerField(_("probabilidad"), null=True, blank=True)
    impacto = models.PositiveSmallIntegerField(_("impacto"), null=True, blank=True)
    nivel = models.CharField(_("nivel de riesgo inherente"), max_length=20, blank=True)
    tratamiento = models.CharField(_("tratamiento"), max_length=12, blank=True,
                                   choices=Tratamiento.choices)
    detalle_tratamiento = models.TextField(_("detalle del tratamiento"), blank=True)
    responsable = models.CharField(_("responsable del riesgo"), max_length=200, blank=True)
    controles = models.ManyToManyField("Aplicabilidad", blank=True, related_name="riesgos",
                                       verbose_name=_("controles de la declaración"))
    actividades = models.ManyToManyField("Actividad", blank=True, related_name="riesgos",
                                         verbose_name=_("actividades del cronograma"))
    probabilidad_residual = models.PositiveSmallIntegerField(_("probabilidad residual"),
                                                             null=True, blank=True)
    impacto_residual = models.PositiveSmallIntegerField(_("impacto residual"), null=True,
                                                        blank=True)
    nivel_residual = models.CharField(_("nivel de riesgo residual"), max_length=20, blank=True)
    aceptado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("aceptado por (MAE)"))
    aceptado_en = models.DateTimeField(_("aceptado en"), null=True, blank=True)
    aceptacion_comentario = models.TextField(_("comentario de la aceptación"), blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["plan", "codigo", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "codigo"], name="pisi_riesgo_codigo"),
            # Residual risk only after a treatment is chosen.
            models.CheckConstraint(
                condition=~Q(tratamiento="") | Q(probabilidad_residual__isnull=True,
                                                 impacto_residual__isnull=True,
                                                 nivel_residual=""),
                name="pisi_riesgo_residual_tras_tratamiento"),
            # An acceptance is of a residual level.
            models.CheckConstraint(
                condition=Q(aceptado_por__isnull=True) | ~Q(nivel_residual=""),
                name="pisi_riesgo_aceptacion_de_residual"),
        ]
        verbose_name = _("escenario de riesgo")
        verbose_name_plural = _("registro de riesgos")

    def __str__(self) -> str:
        return f"{self.codigo} {self.amenaza_id}"
