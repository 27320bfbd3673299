"""Every write on incidents. Each public service follows the recipe of DESIGN.md §3.2:
atomic → select_for_update → permission → change → save → one timeline row + one audit row →
outbox events in the same transaction."""

from .ciclo import (
    incidente_asignar,
    incidente_clasificar,
    incidente_reportar,
    incidente_transicionar,
)
from .comunicacion import (
    evidencia_registrar_guardada,
    evidencia_subir,
    incidente_comentar,
    incidente_confirmar_resolucion,
    incidente_objetar_resolucion,
    incidente_responder,
    incidente_solicitar_info,
    tarea_actualizar,
)
from .fusion import Fusion, incidente_fusionar
from .lote import incidentes_en_lote
from .monitor import autocerrar_resueltos, sla_barrido
from .triaje import incidente_etiquetar, incidente_fijar_prioridad
from .vistas import vista_borrar, vista_guardar

__all__ = [
    "autocerrar_resueltos",
    "Fusion",
    "evidencia_registrar_guardada",
    "evidencia_subir",
    "incidente_asignar",
    "incidente_clasificar",
    "incidente_comentar",
    "incidente_etiquetar",
    "incidente_fijar_prioridad",
    "incidentes_en_lote",
    "incidente_confirmar_resolucion",
    "incidente_fusionar",
    "incidente_objetar_resolucion",
    "incidente_reportar",
    "incidente_responder",
    "incidente_solicitar_info",
    "incidente_transicionar",
    "sla_barrido",
    "vista_borrar",
    "vista_guardar",
    "tarea_actualizar",
]
