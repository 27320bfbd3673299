from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cgii.admin_lectura import SoloLecturaAdmin

from .diagrama import diagrama
from .models import (
    CalendarioLaboral,
    ClaseIncidente,
    CruceSLA,
    DiaNoLaborable,
    Parametro,
    Paso,
    PoliticaSLA,
    Protocolo,
    ReglaPrioridad,
    RelojSLA,
    TipoIncidente,
    VersionCatalogo,
)


class TipoEnLinea(admin.TabularInline):
    model = TipoIncidente
    fields = ("codigo", "nombre", "nombre_en", "impacto", "protocolo_codigo", "activo")
    extra = 0


@admin.register(ClaseIncidente)
class ClaseAdmin(admin.ModelAdmin):
    list_display = ("codigo", "nombre", "nombre_en", "orden", "activa")
    inlines = [TipoEnLinea]


@admin.register(TipoIncidente)
class TipoAdmin(admin.ModelAdmin):
    list_display = ("codigo", "nombre", "clase", "impacto", "protocolo_codigo",
                    "version_catalogo", "activo")
    list_filter = ("clase", "protocolo_codigo", "activo")
    list_select_related = ("clase",)
    search_fields = ("codigo", "nombre", "nombre_en")


class PasoEnLinea(admin.StackedInline):
    model = Paso
    extra = 0
    fields = (("fase", "estado", "orden", "codigo"), "titulo", "instrucciones",
              ("obligatorio", "rol", "requiere_evidencia", "requiere_nota"))


@admin.register(Protocolo)
class ProtocoloAdmin(admin.ModelAdmin):
    list_display = ("codigo", "version", "nombre", "vigente", "cargado_en", "ver_diagrama")
    list_filter = ("vigente",)
    inlines = [PasoEnLinea]
    readonly_fields = ("huella", "cargado_en")

    @admin.display(description=_("diagrama"))
    def ver_diagrama(self, obj):
        url = reverse("admin:protocolos_protocolo_diagrama", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("ver"))

    def get_urls(self):
        propias = [path("<int:pk>/diagrama/", self.admin_site.admin_view(self.vista_diagrama),
                        name="protocolos_protocolo_diagrama")]
        return propias + super().get_urls()

    def vista_diagrama(self, request, pk):
        protocolo = get_object_or_404(Protocolo, pk=pk)
        pasos = list(protocolo.pasos.order_by("orden"))
        fases = [{**f, "pasos": [p for p in pasos if p.fase == f["codigo"]]}
                 for f in protocolo.fases]
        contexto = {**self.admin_site.each_context(request), "protocolo": protocolo,
                    "opts": self.model._meta, "title": str(protocolo), "fases": fases,
                    "diagrama": diagrama(protocolo)}
        return TemplateResponse(request, "protocolos/diagrama.html", contexto)


@admin.register(ReglaPrioridad)
class ReglaPrioridadAdmin(admin.ModelAdmin):
    list_display = ("impacto", "urgencia", "prioridad")
    list_editable = ("prioridad",)


@admin.register(PoliticaSLA)
class PoliticaSLAAdmin(admin.ModelAdmin):
    list_display = ("prioridad", "nombre", "calendario", "acuse_min", "contencion_min",
                    "resolucion_min", "umbral_advertencia")


@admin.register(CalendarioLaboral)
class CalendarioAdmin(admin.ModelAdmin):
    list_display = ("codigo", "nombre", "continuo", "zona", "desde", "hasta", "feriados_pais")


@admin.register(DiaNoLaborable)
class DiaNoLaborableAdmin(admin.ModelAdmin):
    list_display = ("fecha", "motivo")
    date_hierarchy = "fecha"


@admin.register(Parametro)
class ParametroAdmin(admin.ModelAdmin):
    list_display = ("clave", "valor", "descripcion")


@admin.register(VersionCatalogo)
class VersionCatalogoAdmin(admin.ModelAdmin):
    list_display = ("nombre", "version", "cargado_en")
    readonly_fields = ("nombre", "version", "huella", "cargado_en")

    def has_add_permission(self, request):
        return False


@admin.register(RelojSLA)
class RelojAdmin(SoloLecturaAdmin):  # clocks and history: services only
    list_display = ("ambito", "objeto_id", "medida", "estado", "vence", "proximo_umbral")
    list_filter = ("ambito", "medida", "estado")
    show_full_result_count = False


@admin.register(CruceSLA)
class CruceAdmin(SoloLecturaAdmin):  # clocks and history: services only
    list_display = ("reloj", "tipo", "umbral", "detectado_en", "escalado_a")
    list_filter = ("tipo",)
    list_select_related = ("reloj",)
    show_full_result_count = False
