"""Small helpers shared by the indicator pages."""

import orjson
from django.http import HttpResponse

from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.errores import texto_error  # noqa: F401 (the indicator pages import it from here)
from incidentes.services.comun import ROLES_GESTION

TIPO_STIX = "application/stix+json;version=2.1"


def puede_escribir(usuario) -> bool:
    """Whether to *offer* the add/import forms: staff with a managing role, or an entity user
    (their own incidents only: the services answer 404 for anything else). Only what is
    shown; the services check again on write."""
    return not es_personal_cgii(usuario) or tiene_rol_cgii(usuario, *ROLES_GESTION)


def descarga_stix(bundle: dict, nombre: str) -> HttpResponse:
    respuesta = HttpResponse(orjson.dumps(bundle), content_type=TIPO_STIX)
    respuesta["Content-Disposition"] = f'attachment; filename="{nombre}"'
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta


def contexto_menu(usuario) -> dict:
    """What incidentes/_menu.html needs."""
    personal = es_personal_cgii(usuario)
    return {"personal": personal,
            "puede_reportar": not personal or tiene_rol_cgii(usuario, *ROLES_GESTION)}
