from django.db import models
from django.db.models import QuerySet

from cgii.auditoria.models import RegistroAuditoria


def registros_de_objeto(*, objeto: models.Model) -> QuerySet[RegistroAuditoria]:
    """History of one object, oldest first. Not tenant-scoped by itself: callers pass an
    object they already obtained through their own tenant-scoped selector."""
    return RegistroAuditoria.objects.filter(
        objeto_tipo=objeto._meta.label_lower, objeto_id=str(objeto.pk)
    ).order_by("secuencia")
