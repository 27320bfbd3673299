"""Read-mostly admin: indicators are written by the services (imports, incidents)."""

from django.contrib import admin

from .models import ImportacionSTIX, Indicador, IndicadorIncidente


class VinculoEnLinea(admin.TabularInline):
    model = IndicadorIncidente
    extra = 0
    can_delete = False
    fields = ("incidente", "rol", "origen", "agregado_por", "agregado_en", "conteo")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Indicador)
class IndicadorAdmin(admin.ModelAdmin):
    list_display = ("tipo", "valor", "tlp", "confianza", "revocado", "origen", "modificado")
    list_filter = ("tipo", "tlp", "revocado", "origen")
    search_fields = ("valor",)
    readonly_fields = ("tipo", "valor", "valor_original", "patron", "stix_uuid", "sco_id",
                       "origen", "creado_por", "importacion", "creado", "modificado",
                       "primera_vez", "ultima_vez")
    inlines = [VinculoEnLinea]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(ImportacionSTIX)
class ImportacionSTIXAdmin(admin.ModelAdmin):
    list_display = ("id", "nombre_archivo", "usuario", "incidente", "estado", "progreso",
                    "total_objetos", "total_errores", "creado")
    list_filter = ("estado",)
    readonly_fields = [f.name for f in ImportacionSTIX._meta.fields]

    def has_add_permission(self, request):
        return False
