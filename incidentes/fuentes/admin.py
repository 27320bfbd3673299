"""Feeds and their policy (what becomes an incident, a notice or only a record); the
aggregations and events are read-only here (their pages: /fuentes/)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from cgii.admin_lectura import SoloLecturaAdmin
from cgii.errores import ErrorDominio

from .models import Agregacion, EventoFuente, Fuente
from .services.fuentes import fuente_configurar


@admin.register(Fuente)
class FuenteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "politica", "al_cerrado", "tlp", "creado"]
    list_filter = ["politica", "al_cerrado", "proveedor"]
    list_editable = ["politica", "al_cerrado"]
    search_fields = ["proveedor", "nombre"]
    fields = ["proveedor", "nombre", "politica", "al_cerrado", "tlp", "descripcion", "creado"]
    readonly_fields = ["proveedor", "nombre", "creado"]

    def has_add_permission(self, request) -> bool:
        return False  # a feed exists once IntelMQ sends its first event

    def save_model(self, request, obj, form, change):
        try:
            fuente_configurar(actor=request.user, fuente_id=obj.pk, politica=obj.politica,
                              al_cerrado=obj.al_cerrado, tlp=obj.tlp,
                              descripcion=obj.descripcion)
        except ErrorDominio as error:
            raise PermissionDenied(error.message) from None


@admin.register(Agregacion)
class AgregacionAdmin(SoloLecturaAdmin):
    list_display = ["periodo", "entidad", "fuente", "clasificacion", "eventos", "hosts",
                    "politica", "incidente", "consolidado_en", "acusado_en"]
    list_filter = ["politica", "fuente", "periodo"]
    list_select_related = ["entidad", "fuente", "incidente"]
    search_fields = ["entidad__sigla", "clasificacion"]


@admin.register(EventoFuente)
class EventoFuenteAdmin(SoloLecturaAdmin):
    list_display = ["host", "clasificacion", "identificador", "momento", "entidad", "via"]
    list_filter = ["via", "clasificacion"]
    list_select_related = ["entidad"]
    search_fields = ["host"]
    show_full_result_count = False  # millions of rows: no COUNT(*) per page
