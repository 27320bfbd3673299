"""Admin: catalogs are read-only (they come from YAML); deadline parameters are editable;
plans and their follow-up are read-only here (every change goes through the services)."""

from django.contrib import admin

from cgii.admin_lectura import SoloLecturaAdmin

from .models import (
    CatalogoControles,
    CatalogoRiesgo,
    Control,
    ElementoRiesgo,
    MapeoControles,
    MatrizRiesgo,
    ParametroPlazo,
    PeriodoSeguimiento,
    PlanInstitucional,
    Plazo,
)


class ControlInline(admin.TabularInline):
    model = Control
    fields = ("numero", "titulo", "titulo_en", "dominio", "objetivo", "minimo", "atributos")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CatalogoControles)
class CatalogoControlesAdmin(SoloLecturaAdmin):
    list_display = ("nombre", "codigo", "version", "vigente", "cargado_en")
    list_filter = ("codigo", "vigente")
    inlines = [ControlInline]


@admin.register(MapeoControles)
class MapeoControlesAdmin(SoloLecturaAdmin):
    list_display = ("codigo", "version", "origen", "destino", "vigente", "cargado_en")


@admin.register(ParametroPlazo)
class ParametroPlazoAdmin(admin.ModelAdmin):
    list_display = ("tipo", "dias_habiles", "dias_advertencia", "descripcion")

    def has_delete_permission(self, request, obj=None):
        return False


class PlazoInline(admin.TabularInline):
    model = Plazo
    fields = ("tipo", "responsable", "inicio", "vence", "cumplido_en", "advertido_en",
              "vencido_en")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PlanInstitucional)
class PlanInstitucionalAdmin(SoloLecturaAdmin):
    list_display = ("entidad", "gestion", "version", "estado", "codigo_verificacion",
                    "vigencia_hasta")
    list_filter = ("estado", "gestion")
    search_fields = ("entidad__sigla", "entidad__nombre", "codigo_verificacion")
    inlines = [PlazoInline]


@admin.register(PeriodoSeguimiento)
class PeriodoSeguimientoAdmin(SoloLecturaAdmin):
    list_display = ("nombre", "plan", "fecha_corte", "estado", "cerrado_en")
    list_filter = ("estado",)


class ElementoRiesgoInline(admin.TabularInline):
    model = ElementoRiesgo
    fields = ("codigo", "grupo", "grupo_titulo", "titulo")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CatalogoRiesgo)
class CatalogoRiesgoAdmin(SoloLecturaAdmin):
    """Threats (MAGERIT v3) and vulnerabilities: versioned YAML (cargar_catalogos)."""

    list_display = ("codigo", "version", "tipo", "nombre", "vigente", "cargado_en")
    list_filter = ("tipo", "vigente")
    inlines = [ElementoRiesgoInline]


@admin.register(MatrizRiesgo)
class MatrizRiesgoAdmin(SoloLecturaAdmin):
    """Configured in catalogos/matriz_riesgo.yaml (a new version is a new row; plans keep
    the one they were evaluated with)."""

    list_display = ("codigo", "version", "nombre", "aceptacion_mae_desde", "vigente")
    readonly_fields = ("codigo", "version", "nombre", "probabilidad", "impacto", "niveles",
                       "celdas", "aceptacion_mae_desde", "huella", "vigente")
