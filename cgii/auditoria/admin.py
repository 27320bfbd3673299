from django.contrib import admin

from cgii.auditoria.models import RegistroAuditoria


@admin.register(RegistroAuditoria)
class RegistroAuditoriaAdmin(admin.ModelAdmin):
    """Read-only: history is written by services only and never edited."""

    list_display = ("secuencia", "momento", "accion", "objeto_tipo", "objeto_id", "objeto_repr",
                    "actor_repr", "entidad_id", "request_id")
    list_filter = ("accion", "objeto_tipo", "momento")
    search_fields = ("objeto_repr", "actor_repr")
    ordering = ("-secuencia",)
    # Counting millions of rows on every page load is the slow part of a big changelist.
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [campo.name for campo in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
