"""Feed intake (issue 19): the feeds IntelMQ sends, their harmonised events, and the
aggregations that turn one period's events into one incident or notice per entity.

The event table is the hot one (10,000 events/s, written with set-based SQL in
``services/ingesta.py``): few indexes, the de-duplication key as its unique constraint.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cgii.entidades.campos import CampoIP


class Politica(models.TextChoices):
    INCIDENTE = "incidente", _("Abrir o actualizar un incidente")
    AVISO = "aviso", _("Enviar un aviso que solo requiere acuse de recibo")
    REGISTRO = "registro", _("Solo registrar")


class AlCerrado(models.TextChoices):
    REABRIR = "reabrir", _("Reabrir el incidente resuelto o cerrado")
    NUEVO = "nuevo", _("Abrir un incidente nuevo")


class TLPFuente(models.TextChoices):
    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class Fuente(models.Model):
    """One IntelMQ feed (``feed.provider`` + ``feed.name``), created by its first event with
    the default policy; staff set its policy in the admin."""

    proveedor = models.CharField(_("proveedor (feed.provider)"), max_length=100, blank=True)
    nombre = models.CharField(_("nombre (feed.name)"), max_length=150)
    politica = models.CharField(_("política"), max_length=10, choices=Politica.choices,
                                default=Politica.AVISO)
    al_cerrado = models.CharField(
        _("eventos nuevos de un incidente resuelto o cerrado"), max_length=10,
        choices=AlCerrado.choices, default=AlCerrado.NUEVO)
    tlp = models.CharField("TLP", max_length=12, choices=TLPFuente.choices,
                           default=TLPFuente.AMBER)
    descripcion = models.TextField(_("descripción"), blank=True)
    creado = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("fuente externa")
        verbose_name_plural = _("fuentes externas")
        ordering = ["proveedor", "nombre"]
        constraints = [models.UniqueConstraint(fields=["proveedor", "nombre"],
                                               name="fuente_unica")]

    def __str__(self) -> str:
        return f"{self.proveedor} · {self.nombre}" if self.proveedor else self.nombre


class Agregacion(models.Model):
    """One entity's events of one feed and classification in one period (a La Paz day): what
    becomes (or updates) one incident, or one notice, and is notified once."""

    entidad = models.ForeignKey("entidades.Entidad", on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("entidad"))
    fuente = models.ForeignKey(Fuente, on_delete=models.PROTECT, related_name="agregaciones",
                               verbose_name=_("fuente"))
    clasificacion = models.CharField(_("clasificación (classification.type)"), max_length=40)
    periodo = models.DateField(_("periodo (día)"))
    politica = models.CharField(_("política aplicada"), max_length=10,
                                choices=Politica.choices, blank=True)
    incidente = models.ForeignKey("incidentes.Incidente", on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("incidente"))
    eventos = models.PositiveIntegerField(_("eventos"), default=0)
    hosts = models.PositiveIntegerField(_("hosts distintos"), default=0)
    # Events stored since the last consolidation (the periodic job acts when > 0).
    pendientes = models.PositiveIntegerField(_("eventos por consolidar"), default=0)
    primer_evento = models.DateTimeField(_("primer evento"), null=True, blank=True)
    ultimo_evento = models.DateTimeField(_("último evento"), null=True, blank=True)
    recibido_en = models.DateTimeField(_("última recepción"), null=True, blank=True)
    consolidado_en = models.DateTimeField(_("notificada en"), null=True, blank=True)
    acusado_en = models.DateTimeField(_("acuse de recibo"), null=True, blank=True)
    acusado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("acusado por"))
    creado = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("agregación de eventos")
        verbose_name_plural = _("agregaciones de eventos")
        ordering = ["-periodo", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["entidad", "fuente", "clasificacion", "periodo"], name="agregacion_unica")]
        indexes = [
            models.Index(fields=["entidad", "-periodo"], name="agregacion_entidad"),
            models.Index(fields=["incidente"], name="agregacion_incidente"),
            models.Index(fields=["pendientes", "recibido_en"], name="agregacion_pendiente",
                         condition=models.Q(pendientes__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.fuente} · {self.clasificacion} · {self.periodo}"


class EventoFuente(models.Model):
    """One harmonised event, stored once per feed, host, identifier and day."""

    id = models.BigAutoField(primary_key=True)
    # No index of their own (each would slow every insert): the unique key leads with the
    # feed, the host-table index with the aggregation, the queue index covers "no entity".
    # No database constraint either: a foreign-key trigger per inserted row was a third of
    # the intake's insert; the intake only writes ids it has just joined (ingesta.py), and
    # Django still applies PROTECT/CASCADE on deletes.
    fuente = models.ForeignKey(Fuente, on_delete=models.PROTECT, related_name="+",
                               db_index=False, db_constraint=False)
    entidad = models.ForeignKey("entidades.Entidad", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+", db_index=False,
                                db_constraint=False)
    agregacion = models.ForeignKey(Agregacion, on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="eventos_set", db_index=False,
                                   db_constraint=False)
    via = models.CharField(_("enrutado por"), max_length=10, blank=True)
    ip = CampoIP(_("IP"), null=True, blank=True)
    fqdn = models.CharField(_("FQDN"), max_length=253, blank=True)
    asn = models.PositiveBigIntegerField(_("ASN"), null=True, blank=True)
    puerto = models.PositiveIntegerField(_("puerto"), null=True, blank=True)
    protocolo = models.CharField(_("protocolo"), max_length=30, blank=True)
    clasificacion = models.CharField(_("clasificación"), max_length=40)
    identificador = models.CharField(_("identificador"), max_length=255, blank=True)
    momento = models.DateTimeField(_("momento (time.source)"))
    dia = models.DateField(_("día"))
    host = models.CharField(_("host"), max_length=253)
    datos = models.JSONField(_("otros campos"), default=dict, blank=True)
    recibido = models.DateTimeField(_("recibido"))

    class Meta:
        verbose_name = _("evento de fuente")
        verbose_name_plural = _("eventos de fuentes")
        constraints = [models.UniqueConstraint(
            fields=["fuente", "host", "identificador", "dia"], name="evento_fuente_unico")]
        indexes = [
            # The host table of an aggregation, or of an incident (its aggregations, newest
            # delivery first): `agregacion_id = ANY(…) ORDER BY agregacion_id DESC, momento
            # DESC, id DESC` reads it in order, and page counts and ids come from it alone.
            models.Index(fields=["-agregacion", "-momento", "-id"], name="evento_agregacion"),
            # The CGII's "sin entidad" queue.
            models.Index(fields=["-dia"], name="evento_sin_entidad",
                         condition=models.Q(entidad__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.host} {self.clasificacion} {self.momento:%Y-%m-%d}"
