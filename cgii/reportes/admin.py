from django.contrib import admin

from .models import ReporteGenerado


@admin.register(ReporteGenerado)
class ReporteGeneradoAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the service and the task, files live in private
    storage; the admin is for looking at failures (estado, mensaje)."""

    list_display = ("id", "tipo", "formato", "usuario", "estado", "progreso", "creado",
                    "terminado_en", "tamano")
    list_filter = ("estado", "formato", "tipo")
    search_fields = ("tipo", "usuario__username", "mensaje")
    list_select_related = ("usuario",)
    date_hierarchy = "creado"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
