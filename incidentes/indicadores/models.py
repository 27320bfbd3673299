"""Indicators of compromise (one row per normalised value), their sightings per incident,
and STIX imports with the raw objects they carried.

Written only by ``services``; read only through ``selectors`` (tenant-scoped).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cgii.etiquetas import EtiquetasEnCache
from incidentes.models import TLP

from .normalizacion import MAX_BYTES_VALOR, TipoIndicador


class RolIndicador(models.TextChoices):
    MALICIOSO = "malicioso", _("Malicioso")
    ATACANTE = "atacante", _("Origen del ataque")
    C2 = "c2", _("Comando y control")
    DISTRIBUCION = "distribucion", _("Distribución (phishing, descarga de malware)")
    VICTIMA = "victima", _("Activo afectado")
    RELACIONADO = "relacionado", _("Relacionado")


# Roles exported as an `indicates` relationship; the rest as `related-to`.
ROLES_QUE_INDICAN = frozenset({RolIndicador.MALICIOSO, RolIndicador.ATACANTE, RolIndicador.C2,
                               RolIndicador.DISTRIBUCION})


class OrigenIndicador(models.TextChoices):
    MANUAL = "manual", _("Agregado a mano")
    PEGADO = "pegado", _("Pegado en lote")
    EXTRACCION = "extraccion", _("Extraído de la descripción")
    IMPORTACION = "importacion", _("Importación STIX")


class Indicador(EtiquetasEnCache, models.Model):
    """One normalised (type, value). Its STIX ids derive from it (``normalizacion``)."""

    tipo = models.CharField(_("tipo"), max_length=16, choices=TipoIndicador.choices)
    valor = models.CharField(_("valor normalizado"), max_length=MAX_BYTES_VALOR)
    valor_original = models.TextField(_("valor como se recibió por primera vez"), blank=True)
    patron = models.TextField(_("patrón STIX"))
    stix_uuid = models.UUIDField(_("UUID del Indicator STIX"), unique=True)
    sco_id = models.CharField(_("id del SCO STIX"), max_length=80, blank=True)
    nombre = models.CharField(_("nombre"), max_length=255, blank=True)
    descripcion = models.TextField(_("descripción"), blank=True)
    tipos_stix = models.JSONField(_("indicator_types"), default=list, blank=True)
    confianza = models.PositiveSmallIntegerField(_("confianza (0-100)"), null=True, blank=True)
    tlp = models.CharField("TLP", max_length=12, choices=TLP.choices, default=TLP.AMBER)
    valido_desde = models.DateTimeField(_("válido desde"), default=timezone.now)
    valido_hasta = models.DateTimeField(_("válido hasta"), null=True, blank=True)
    primera_vez = models.DateTimeField(_("visto por primera vez"), null=True, blank=True)
    ultima_vez = models.DateTimeField(_("visto por última vez"), null=True, blank=True)
    revocado = models.BooleanField(_("revocado"), default=False)
    origen = models.CharField(_("origen"), max_length=12, choices=OrigenIndicador.choices,
                              default=OrigenIndicador.MANUAL)
    # Provenance pointers written in bulk by imports: no database FK constraint (a deferred
    # check per row at commit was ~25 % of an import; Django still applies on_delete).
    # Every other FK of the app is a real constraint. `importacion` is indexed (the search
    # sink reindexes an import's indicators; one value per import, so the index only grows
    # at its right edge); `creado_por` is not (never filtered by).
    creado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", db_index=False,
                                   db_constraint=False)
    importacion = models.ForeignKey("ImportacionSTIX", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", db_index=True,
                                    db_constraint=False)
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    # STIX `modified` of the current version, also its TAXII date_added: bumped whenever an
    # exported property changes, so (modificado, id) is a stable keyset for feeds and TAXII.
    modificado = models.DateTimeField(_("modificado"), default=timezone.now)

    class Meta:
        constraints = [
            # valor first: the IOC lookup asks `valor IN (…)` without knowing the type.
            models.UniqueConstraint(fields=["valor", "tipo"], name="indicador_valor_tipo_unico"),
            models.CheckConstraint(condition=models.Q(confianza__isnull=True)
                                   | models.Q(confianza__lte=100),
                                   name="indicador_confianza_0_100"),
        ]
        indexes = [models.Index(fields=["modificado", "id"], name="indicador_keyset")]
        verbose_name = _("indicador")
        verbose_name_plural = _("indicadores")

    def __str__(self) -> str:
        return f"{self.tipo} {self.valor}"

    @property
    def stix_id(self) -> str:
        return f"indicator--{self.stix_uuid}"

    @property
    def lista_advertencia(self):
        """The warninglist the value is on (never exported nor published), or None."""
        from .listas import coincidencia

        return coincidencia(self.tipo, self.valor)


class IndicadorIncidente(EtiquetasEnCache, models.Model):
    """An indicator seen in an incident (a sighting), with its context."""

    # Both covered by the composite indexes below (unique pair; correlation).
    incidente = models.ForeignKey("incidentes.Incidente", on_delete=models.CASCADE,
                                  related_name="vinculos_indicadores", db_index=False)
    indicador = models.ForeignKey(Indicador, on_delete=models.CASCADE, related_name="vinculos",
                                  db_index=False)
    rol = models.CharField(_("rol"), max_length=15, choices=RolIndicador.choices,
                           default=RolIndicador.MALICIOSO)
    nota = models.TextField(_("nota"), blank=True)
    valor_original = models.TextField(_("valor como se agregó"), blank=True)
    origen = models.CharField(_("origen"), max_length=12, choices=OrigenIndicador.choices,
                              default=OrigenIndicador.MANUAL)
    agregado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+", db_index=False)
    agregado_en = models.DateTimeField(_("agregado en"), default=timezone.now)
    primera_vez = models.DateTimeField(_("visto por primera vez"), null=True, blank=True)
    ultima_vez = models.DateTimeField(_("visto por última vez"), null=True, blank=True)
    conteo = models.PositiveIntegerField(_("veces visto"), default=1)
    # What the adder said about the value in this incident. The national row keeps the first
    # source's values (and staff edits); an entity user is only ever shown their own
    # sightings' values (``vista``), never another entity's TLP, confidence or times.
    tlp = models.CharField("TLP", max_length=12, choices=TLP.choices, default=TLP.AMBER)
    confianza = models.PositiveSmallIntegerField(_("confianza (0-100)"), null=True, blank=True)
    valido_hasta = models.DateTimeField(_("válido hasta"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incidente", "indicador"],
                                    name="vinculo_indicador_unico"),
        ]
        # Correlation: the most recent sightings of one indicator.
        indexes = [models.Index(fields=["indicador", "-agregado_en", "-id"],
                                name="vinculo_correlacion")]
        verbose_name = _("indicador del incidente")
        verbose_name_plural = _("indicadores de incidentes")

    def __str__(self) -> str:
        return f"{self.incidente_id} ↔ {self.indicador_id}"


class EstadoImportacion(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    PROCESANDO = "procesando", _("Procesando")
    COMPLETADA = "completada", _("Completada")
    RECHAZADA = "rechazada", _("Rechazada (errores, nada importado)")
    FALLIDA = "fallida", _("Fallida")


class ImportacionSTIX(models.Model):
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    entidad = models.ForeignKey("entidades.Entidad", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    incidente = models.ForeignKey("incidentes.Incidente", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    nombre_archivo = models.CharField(_("archivo"), max_length=255, blank=True)
    tamano = models.BigIntegerField(_("tamaño (bytes)"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    estado = models.CharField(_("estado"), max_length=12, choices=EstadoImportacion.choices,
                              default=EstadoImportacion.PENDIENTE)
    solo_validos = models.BooleanField(_("importar solo los objetos válidos"), default=False)
    tlp_defecto = models.CharField(_("TLP de objetos sin marca"), max_length=12,
                                   choices=TLP.choices, default=TLP.AMBER)
    total_objetos = models.PositiveIntegerField(default=0)
    procesados = models.PositiveIntegerField(default=0)
    progreso = models.PositiveSmallIntegerField(_("progreso (%)"), default=0)
    total_errores = models.PositiveIntegerField(default=0)
    errores = models.JSONField(_("objetos con errores"), default=list, blank=True)
    contadores = models.JSONField(default=dict, blank=True)
    mensaje = models.TextField(blank=True)
    ruta = models.CharField(_("archivo temporal"), max_length=255, blank=True)
    creado = models.DateTimeField(default=timezone.now)
    iniciado = models.DateTimeField(null=True, blank=True)
    terminado = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["usuario", "-creado"], name="importacion_usuario")]
        verbose_name = _("importación STIX")
        verbose_name_plural = _("importaciones STIX")

    def __str__(self) -> str:
        return f"#{self.pk} {self.nombre_archivo or 'bundle'} ({self.estado})"


class ObjetoSTIX(models.Model):
    """Every object of an imported bundle, as received. Interpreted ones point to the
    indicator they became; unknown and ``x-``/custom objects are kept, not interpreted."""

    # Bulk-written like Indicador's provenance pointers: no FK constraint (see there).
    importacion = models.ForeignKey(ImportacionSTIX, on_delete=models.CASCADE,
                                    related_name="objetos", db_index=False, db_constraint=False)
    indice = models.PositiveIntegerField()
    stix_id = models.CharField(max_length=300)
    tipo = models.CharField(max_length=250)
    modificado = models.DateTimeField(null=True, blank=True)
    interpretado = models.BooleanField(default=False)
    indicador = models.ForeignKey(Indicador, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", db_index=False, db_constraint=False)
    # As received; empty for interpreted Indicators/SCOs (their content is the Indicador
    # row, and the whole bundle file is kept with the import).
    datos = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["importacion", "indice"],
                                               name="objeto_stix_posicion")]
        # Exact lookups only (sightings of earlier objects): a Meta index, so no second
        # varchar_pattern_ops index as db_index=True would add (it doubled the write cost).
        indexes = [models.Index(fields=["stix_id"], name="objeto_stix_id")]
        verbose_name = _("objeto STIX importado")
        verbose_name_plural = _("objetos STIX importados")

    def __str__(self) -> str:
        return self.stix_id


class ValorBuscable(models.Model):
    """The value of an indicator for the staff list's "contains" search (trigram index).

    Kept apart from ``Indicador`` so that maintaining the trigram GIN (~40 % of the server's
    work in an import's COPY: hashes and URLs have 40-128 characters) leaves the import's
    transaction: the ``indicadores.valores_buscables`` sink (``trigramas.py``) fills it after
    commit. Until it ran, a new value is found by its exact or normalised form (the unique
    btree), not yet by a fragment. No database FK constraint: imports remove what a rejected
    streamed import created with plain SQL; an orphan row is never shown (the list joins
    through ``Indicador``) and ids are never reused."""

    indicador = models.OneToOneField(Indicador, on_delete=models.CASCADE, primary_key=True,
                                     related_name="+", db_constraint=False)
    valor = models.CharField(max_length=MAX_BYTES_VALOR)

    class Meta:
        verbose_name = _("valor buscable")
        verbose_name_plural = _("valores buscables")

    def __str__(self) -> str:
        return self.valor
