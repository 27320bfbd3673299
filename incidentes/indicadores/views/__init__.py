"""HTML pages of indicators and STIX: thin views over the same services and selectors as the
API (``incidentes/indicadores/api/views.py``); no rule lives here.

- ``incidente``: the detail page's indicator actions (registered in the incident's
  ``accion`` endpoint: one service, a message, back), the STIX export of an incident and the
  "extract from the description" confirmation page.
- ``importacion``: upload a bundle, follow its progress (websocket + polling), its report.
- ``lista``: the national indicator list (staff) and the national feed download.
"""

from .importacion import (
    importacion_detalle,
    importacion_estado,
    importacion_solo_validos,
    importar,
)
from .incidente import ACCIONES, exportar_incidente, extraer, resultado_pegado
from .lista import exportar_feed, lista

__all__ = ["ACCIONES", "exportar_feed", "exportar_incidente", "extraer", "importacion_detalle",
           "importacion_estado", "importacion_solo_validos", "importar", "lista",
           "resultado_pegado"]
