"""Read-only views of the intake's records for administrators: rows are written by the
intake and the triage actions only (the audit trail records those)."""

from django.contrib import admin

from cgii.admin_lectura import SoloLecturaAdmin

from .models import CorreoEntrante, EstadoBuzon


@admin.register(CorreoEntrante)
class CorreoEntranteAdmin(SoloLecturaAdmin):
    list_display = ("recibido", "remitente", "asunto", "clase", "estado_triaje", "confiable",
                    "incidente")
    list_filter = ("clase", "estado_triaje", "confiable")
    search_fields = ("remitente", "asunto", "message_id", "sha256")
    date_hierarchy = "recibido"


@admin.register(EstadoBuzon)
class EstadoBuzonAdmin(SoloLecturaAdmin):
    list_display = ("ultima_lectura_ok", "ultimo_intento", "fallos_seguidos", "procesados")
