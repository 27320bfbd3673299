from django.contrib import admin

from cgii.admin_lectura import SoloLecturaAdmin, TablaGrandeAdmin
from cgii.auditoria.models import AnclaAuditoria, RegistroAuditoria


@admin.register(RegistroAuditoria)
class RegistroAuditoriaAdmin(TablaGrandeAdmin):
    """Read-only: history is written by services only and never edited."""

    list_display = ("secuencia", "momento", "accion", "objeto_tipo", "objeto_id", "objeto_repr",
                    "actor_repr", "entidad_id", "request_id")
    list_filter = ("accion", "objeto_tipo", "momento")
    search_fields = ("objeto_repr", "actor_repr")
    ordering = ("-secuencia",)


@admin.register(AnclaAuditoria)
class AnclaAuditoriaAdmin(SoloLecturaAdmin):
    """Read-only: written by partition maintenance when retention drops an audit partition."""

    list_display = ("particion", "desde_secuencia", "hasta_secuencia", "cantidad",
                    "momento_desde", "momento_hasta", "ultimo_hash", "creado")
