"""The ``database`` backend's search table: one row per document, denormalised.

Written only by ``backends.basedatos`` (from the outbox sink and ``reindexar``). On
PostgreSQL the two ``tsvector`` columns have GIN indexes and ``clave``/``titulo`` trigram
indexes (migration 0001, PostgreSQL only); the embedded SQLite profile leaves the vectors
empty and searches with ``icontains``.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class DocumentoBusqueda(models.Model):
    id = models.BigAutoField(primary_key=True)
    tipo = models.CharField(max_length=20)
    objeto_id = models.BigIntegerField()
    entidad_id = models.BigIntegerField(null=True, blank=True)
    # Entities whose members may see the row (CGII staff see all rows); jsonb @> on PG.
    entidades = models.JSONField(default=list)
    solo_personal = models.BooleanField(default=False)
    clave = models.TextField(blank=True)
    titulo = models.TextField(blank=True)
    texto = models.TextField(blank=True)
    mensajes = models.TextField(blank=True)
    interno = models.TextField(blank=True)  # staff only: never matched nor shown to others
    estado = models.CharField(max_length=40, blank=True)
    prioridad = models.CharField(max_length=10, blank=True)
    categoria = models.CharField(max_length=80, blank=True)
    tlp = models.CharField(max_length=15, blank=True)
    anio = models.PositiveSmallIntegerField(null=True, blank=True)
    fecha = models.DateTimeField(null=True, blank=True)
    datos = models.JSONField(default=dict, blank=True)
    # clave (simple, A) + titulo (A) + texto (B) + mensajes (C), Spanish configuration
    vector = SearchVectorField(null=True, blank=True)
    vector_interno = SearchVectorField(null=True, blank=True)  # interno (C)
    actualizado = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "busqueda_documento"
        verbose_name = "documento de búsqueda"
        verbose_name_plural = "documentos de búsqueda"
        constraints = [
            models.UniqueConstraint(fields=["tipo", "objeto_id"], name="busqueda_documento_unico"),
        ]
        indexes = [
            # browsing without text: newest first within the type filter
            models.Index(fields=["tipo", "-fecha"], name="busqueda_tipo_fecha"),
            # facet filters of a text query (year, type, state): ANDed with the GIN bitmap
            # so that the capped scan reads only rows that pass them. As heap filters, a
            # recent year meant reading the older matches first (storage order) and
            # discarding them: 63,000 rows for 1,000 kept at 11M documents.
            models.Index(fields=["anio", "tipo", "estado"], name="busqueda_anio_tipo_estado"),
        ]

    def __str__(self) -> str:
        return f"{self.tipo}:{self.objeto_id}"
