from django.conf import settings
from django.db import models


class ClaveIdempotencia(models.Model):
    """One ``Idempotency-Key`` of one user and the response its first request got.

    The row is inserted in the same transaction as the request's own writes and commits
    only with a 2xx response stored in it (services, drf): a committed row always holds a
    response to replay, and a request that failed or died leaves no row behind.
    """

    # No index of its own: the unique (usuario, clave) index leads with it.
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="+", db_index=False)
    clave = models.CharField(max_length=255)
    # sha256 of method, path, query, credential and canonical body (huella.py).
    huella = models.CharField(max_length=64)
    metodo = models.CharField(max_length=10)
    ruta = models.TextField()
    codigo = models.PositiveSmallIntegerField(null=True)
    # The rendered JSON text, not a JSONField: jsonb reorders keys, and a replay must be
    # byte-for-byte the first response.
    cuerpo = models.TextField(null=True)
    cabeceras = models.JSONField(null=True)  # those worth replaying (Location)
    creado = models.DateTimeField()

    class Meta:
        verbose_name = "clave de idempotencia"
        verbose_name_plural = "claves de idempotencia"
        constraints = [models.UniqueConstraint(fields=["usuario", "clave"],
                                               name="idempotencia_usuario_clave")]
        indexes = [models.Index(fields=["creado"], name="idempotencia_creado")]

    def __str__(self):
        return f"{self.usuario_id}:{self.clave}"
