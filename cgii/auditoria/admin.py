from django.contrib import admin

from cgii.admin_lectura import TablaGrandeAdmin
from cgii.auditoria.models import RegistroAuditoria


@admin.register(RegistroAuditoria)
class RegistroAuditoriaAdmin(TablaGrandeAdmin):
    """Read-only: history is written by services only and never edited."""

    list_display = ("secuencia", "momento", "accion", "objeto_tipo", "objeto_id", "objeto_repr",
                    "actor_repr", "entidad_id", "request_id")
    list_filter = ("accion", "objeto_tipo", "momento")
    search_fields = ("objeto_repr", "actor_repr")
    ordering = ("-secuencia",)
