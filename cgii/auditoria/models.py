from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistroInmutable(Exception):
    """Raised on any attempt to change or delete an audit row through the ORM."""


class RegistroAuditoriaQuerySet(models.QuerySet):
    # Bulk paths skip Model.save()/delete(), so they are closed here as well; the database
    # trigger (migration 0002) is the real guarantee on PostgreSQL.
    def update(self, **kwargs):
        raise RegistroInmutable("El registro de auditoría no se modifica.")

    def delete(self):
        raise RegistroInmutable("El registro de auditoría no se borra.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise RegistroInmutable("El registro de auditoría no se modifica.")


class RegistroAuditoria(models.Model):
    """One append-only, hash-chained audit row. Written only by ``services.auditoria_registrar``.

    ``secuencia`` is the primary key: contiguous from 1, assigned under a lock by the service,
    so a missing number means a deleted row. ``actor_id`` and ``entidad_id`` are plain integers,
    not foreign keys, so deleting a user or an entity never cascades into (or rewrites) history.
    """

    secuencia = models.PositiveBigIntegerField(_("secuencia"), primary_key=True)
    momento = models.DateTimeField(_("momento"))
    actor_id = models.BigIntegerField(_("id del actor"), null=True, blank=True)
    actor_repr = models.CharField(_("actor"), max_length=200)
    accion = models.CharField(_("acción"), max_length=100)
    objeto_tipo = models.CharField(_("tipo de objeto"), max_length=100, blank=True)
    objeto_id = models.CharField(_("id del objeto"), max_length=64, blank=True)
    objeto_repr = models.CharField(_("objeto"), max_length=255, blank=True)
    entidad_id = models.BigIntegerField(_("id de la entidad"), null=True, blank=True)
    antes = models.JSONField(_("antes"), null=True, blank=True)
    despues = models.JSONField(_("después"), null=True, blank=True)
    datos = models.JSONField(_("datos"), null=True, blank=True)
    request_id = models.CharField(_("id de solicitud"), max_length=64, null=True, blank=True)
    # Plain text, not GenericIPAddressField/inet: the hash covers the exact string stored, and
    # inet may print an address differently from how Python wrote it (e.g. IPv4-mapped IPv6).
    ip = models.CharField(_("IP"), max_length=64, null=True, blank=True)
    hash_anterior = models.CharField(_("hash anterior"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = RegistroAuditoriaQuerySet.as_manager()

    class Meta:
        verbose_name = _("registro de auditoría")
        verbose_name_plural = _("registros de auditoría")
        ordering = ["secuencia"]
        # Only "view": nobody can be granted add/change/delete on history.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["objeto_tipo", "objeto_id"], name="auditoria_objeto_idx"),
            models.Index(fields=["entidad_id"], name="auditoria_entidad_idx"),
            models.Index(fields=["momento"], name="auditoria_momento_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.secuencia} {self.accion} {self.objeto_tipo}:{self.objeto_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RegistroInmutable("El registro de auditoría no se modifica.")
        # An explicit primary key would otherwise make Django try an UPDATE first.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RegistroInmutable("El registro de auditoría no se borra.")


class AnclaAuditoria(models.Model):
    """The seal of a dropped audit partition: where the remaining chain starts from.

    Written (with an audit row repeating it) in the transaction that drops the partition, so
    verification can start at ``hasta_secuencia + 1`` trusting ``ultimo_hash``; the audit row
    is what makes a forged anchor detectable (``verificacion.cadena_verificar``).
    """

    particion = models.CharField(_("partición"), max_length=63)
    desde_secuencia = models.PositiveBigIntegerField(_("desde secuencia"))
    hasta_secuencia = models.PositiveBigIntegerField(_("hasta secuencia"), unique=True)
    ultimo_hash = models.CharField(_("último hash"), max_length=64)
    cantidad = models.PositiveBigIntegerField(_("registros"))
    momento_desde = models.DateTimeField(_("desde"))
    momento_hasta = models.DateTimeField(_("hasta"))
    creado = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("ancla de auditoría")
        verbose_name_plural = _("anclas de auditoría")
        ordering = ["hasta_secuencia"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.particion}: {self.desde_secuencia}-{self.hasta_secuencia}"
