"""HTML pages of the PISI follow-up: thin views over the same services and selectors as the
API (docs/pisi.md, "Pages, PDF and verification")."""

from .acciones import accion
from .importacion import exportar, importar, plantilla
from .planes import datos, detalle, lista, nuevo
from .publico import documento, resumen_pdf, verificar, verificar_inicio
from .revision import cola, observaciones, revision
from .riesgos import riesgos
from .seguimiento import hallazgos, periodo, seguimiento
from .trabajo import cronograma, evidencia_descarga, evidencias, soa

__all__ = [
    "accion", "cola", "exportar", "importar", "plantilla", "cronograma", "datos", "detalle", "documento", "evidencia_descarga",
    "evidencias", "hallazgos", "lista", "nuevo", "observaciones", "periodo", "resumen_pdf", "revision", "riesgos",
    "seguimiento", "soa", "verificar", "verificar_inicio",
]
