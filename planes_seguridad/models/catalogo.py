"""Control catalogs (the national CTIC-SE-P1 Anexo A, ISO/IEC 27002:2013 and :2022) and the
mappings between them.

Loaded from versioned YAML by ``cargador.py``; only numbering and short titles are stored,
never the standards' text. A new catalog version is a new ``CatalogoControles`` row with its
own controls, so a plan keeps the exact version it was written against.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogoControles(models.Model):
    codigo = models.SlugField(_("código"), max_length=40)
    version = models.PositiveIntegerField(_("versión"))
    nombre = models.CharField(_("nombre"), max_length=200)
    # 2022 only: the attribute vocabulary {"tipo_control": [...], "propiedades": [...], ...}.
    atributos = models.JSONField(_("vocabulario de atributos"), default=dict, blank=True)
    huella = models.CharField(_("huella SHA-256"), max_length=64)
    vigente = models.BooleanField(_("vigente"), default=True)
    # False when the file lists only part of its source (the national catalog ships only what
    # could be verified, docs/pisi.md): a partial catalog is never the default for new plans.
    completo = models.BooleanField(_("completo"), default=True)
    # Whether the source's list of minimum controls was verified (national catalog, CTIC
    # §6.2.3.2). Shown next to the SoA so nobody reads "no minimum controls" as a fact.
    minimos_verificados = models.BooleanField(_("controles mínimos verificados"), default=False)
    cargado_en = models.DateTimeField(_("cargado en"), auto_now_add=True)

    class Meta:
        ordering = ["codigo", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["codigo", "version"], name="pisi_catalogo_version"),
        ]
        verbose_name = _("catálogo de controles")
        verbose_name_plural = _("catálogos de controles")

    def __str__(self) -> str:
        return f"{self.nombre} (v{self.version})"


class Dominio(models.Model):
    """A 2013 domain (5–18) or a 2022 theme (5–8)."""

    catalogo = models.ForeignKey(CatalogoControles, on_delete=models.CASCADE,
                                 related_name="dominios")
    numero = models.CharField(_("número"), max_length=10)
    titulo = models.CharField(_("título"), max_length=200)
    titulo_en = models.CharField(_("título en inglés"), max_length=200, blank=True)
    orden = models.PositiveSmallIntegerField(_("orden"))

    class Meta:
        ordering = ["catalogo", "orden"]
        constraints = [
            models.UniqueConstraint(fields=["catalogo", "numero"], name="pisi_dominio_numero"),
        ]
        verbose_name = _("dominio o tema")
        verbose_name_plural = _("dominios o temas")

    def __str__(self) -> str:
        return f"{self.numero}. {self.titulo}"


class Objetivo(models.Model):
    """A 2013 control objective (e.g. 5.1); the 2022 edition has none."""

    dominio = models.ForeignKey(Dominio, on_delete=models.CASCADE, related_name="objetivos")
    numero = models.CharField(_("número"), max_length=10)
    titulo = models.CharField(_("título"), max_length=200)
    titulo_en = models.CharField(_("título en inglés"), max_length=200, blank=True)
    orden = models.PositiveSmallIntegerField(_("orden"))

    class Meta:
        ordering = ["dominio", "orden"]
        constraints = [
            models.UniqueConstraint(fields=["dominio", "numero"], name="pisi_objetivo_numero"),
        ]
        verbose_name = _("objetivo de control")
        verbose_name_plural = _("objetivos de control")

    def __str__(self) -> str:
        return f"{self.numero} {self.titulo}"


class Control(models.Model):
    catalogo = models.ForeignKey(CatalogoControles, on_delete=models.CASCADE,
                                 related_name="controles")
    dominio = models.ForeignKey(Dominio, on_delete=models.CASCADE, related_name="controles")
    objetivo = models.ForeignKey(Objetivo, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="controles")
    numero = models.CharField(_("número"), max_length=12)
    titulo = models.CharField(_("título"), max_length=200)
    titulo_en = models.CharField(_("título en inglés"), max_length=200, blank=True)
    # 2022: {"tipo_control": [...], "propiedades": [...], "conceptos": [...],
    #        "capacidades": [...], "dominios_seguridad": [...]}
    atributos = models.JSONField(_("atributos"), default=dict, blank=True)
    # A minimum control of the national guideline (CTIC-SE-P1 §6.2.3.2): it cannot be
    # excluded from a plan's Statement of Applicability.
    minimo = models.BooleanField(_("control mínimo"), default=False)
    orden = models.PositiveSmallIntegerField(_("orden"))

    class Meta:
        ordering = ["catalogo", "orden"]
        constraints = [
            models.UniqueConstraint(fields=["catalogo", "numero"], name="pisi_control_numero"),
        ]
        verbose_name = _("control")
        verbose_name_plural = _("controles")

    def __str__(self) -> str:
        return f"{self.numero} {self.titulo}"


class MapeoControles(models.Model):
    """A versioned correspondence between two catalog versions (2013 → 2022, national →
    2013 and national → 2022)."""

    codigo = models.SlugField(_("código"), max_length=40)
    version = models.PositiveIntegerField(_("versión"))
    origen = models.ForeignKey(CatalogoControles, on_delete=models.PROTECT, related_name="+")
    destino = models.ForeignKey(CatalogoControles, on_delete=models.PROTECT, related_name="+")
    # Destination controls with no predecessor (new in the destination edition).
    nuevos = models.JSONField(_("controles nuevos"), default=list, blank=True)
    huella = models.CharField(_("huella SHA-256"), max_length=64)
    vigente = models.BooleanField(_("vigente"), default=True)
    cargado_en = models.DateTimeField(_("cargado en"), auto_now_add=True)

    class Meta:
        ordering = ["codigo", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["codigo", "version", "origen", "destino"],
                                    name="pisi_mapeo_version"),
        ]
        verbose_name = _("mapeo entre catálogos")
        verbose_name_plural = _("mapeos entre catálogos")

    def __str__(self) -> str:
        return f"{self.codigo} v{self.version}"


class Correspondencia(models.Model):
    mapeo = models.ForeignKey(MapeoControles, on_delete=models.CASCADE,
                              related_name="correspondencias")
    origen = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="+")
    destino = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mapeo", "origen", "destino"],
                                    name="pisi_correspondencia_unica"),
        ]
        verbose_name = _("correspondencia")
        verbose_name_plural = _("correspondencias")

    def __str__(self) -> str:
        return f"{self.origen_id} → {self.destino_id}"
