"""HTML pages: thin views over the same services and selectors as the API.

Every POST goes to one ``accion`` endpoint that calls one service and redirects back to the
detail page (post/redirect/get); a domain error becomes a Django message on that page, never
a 500, so a refused transition reads exactly like the API's 409 reason. Asked with
``Accept: application/json`` (the console's one-click "Tomar"/"Asignar"), it answers JSON.

Live pages (console, detail, portal) embed the event-stream position current when they were
rendered (``secuencia``, read *before* the data) so that their websocket resumes from there
and misses nothing; the small fragment views below let the browser re-fetch what an event
changed, rendered by the same templates (docs/consola.md).
"""

from .acciones import accion, descargar_evidencia
from .cola import consola, consola_filas, lista, portal, reportar
from .detalle import detalle, paneles
from .tareas import mis_tareas

__all__ = ["accion", "consola", "consola_filas", "descargar_evidencia", "detalle", "lista",
           "mis_tareas", "paneles", "portal", "reportar"]
