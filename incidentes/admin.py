"""Admin of the console's data (issue 18): the round-robin rules per category and the saved
views (team views have no user)."""

from django.contrib import admin

from .models import RepartoCategoria, VistaGuardada


@admin.register(RepartoCategoria)
class RepartoCategoriaAdmin(admin.ModelAdmin):
    list_display = ("clase", "activo", "ultimo")
    list_filter = ("activo",)
    filter_horizontal = ("analistas",)
    readonly_fields = ("ultimo",)


@admin.register(VistaGuardada)
class VistaGuardadaAdmin(admin.ModelAdmin):
    list_display = ("nombre", "pagina", "usuario", "consulta", "orden")
    list_filter = ("pagina",)
    search_fields = ("nombre", "consulta")
