"""Every write of the indicators app (DESIGN.md §3.1)."""

from .importacion import stix_importar, stix_importar_procesar
from .vinculos import (
    Resultado,
    indicador_actualizar,
    indicador_agregar,
    indicador_desvincular,
    indicadores_pegar,
)

__all__ = [
    "Resultado", "indicador_actualizar", "indicador_agregar", "indicador_desvincular",
    "indicadores_pegar", "stix_importar", "stix_importar_procesar",
]
