"""API base: pagination and the one exception handler giving {"message", "extra"} bodies."""

import copy
import logging

import orjson
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cgii import indisponibilidad
from cgii.errores import ErrorDominio

log = logging.getLogger(__name__)


class CamposEnCache:
    """Mixin for a ModelSerializer: build its fields from the model once per class, then
    deep-copy them (as DRF does for declared fields). DRF rebuilds them from the model's
    metadata for every instance: ~0.7 ms per incident response, on the intake's hot path."""

    def get_fields(self):
        clase = type(self)
        plantilla = clase.__dict__.get("_plantilla_campos")
        if plantilla is None:
            plantilla = super().get_fields()
            clase._plantilla_campos = plantilla
        return copy.deepcopy(plantilla)


class Paginacion(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class PaginacionCursor(Paginacion):
    """Documents the keyset lists (``cgii.keyset``; the incident list): ``cursor`` from the
    ``next``/``previous`` links, ``page`` kept for old clients (an OFFSET page, shallow
    pages only), and a count capped at ``LIMITE_CUENTA`` with ``count_exacto``. The view
    pages by itself; this class is what drf-spectacular reads."""

    LIMITE_CUENTA = 10_000

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "cursor", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "Posición opaca: tómela de los enlaces «next» o «previous»."},
            {"name": "page", "required": False, "in": "query",
             "schema": {"type": "integer", "minimum": 1},
             "description": "Compatibilidad: página numerada (desplazamiento) hasta "
                            f"{self.LIMITE_CUENTA:,} filas; más allá, siga «next»."},
            {"name": "page_size", "required": False, "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
             "description": f"Filas por página (por omisión {self.page_size})."},
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object", "required": ["count", "count_exacto", "next", "previous",
                                           "results"],
            "properties": {
                "count": {"type": "integer", "example": 123, "description": (
                    f"Coincidencias, contadas hasta {self.LIMITE_CUENTA:,}; con "
                    "count_exacto=false hay más («más de 10.000»).")},
                "count_exacto": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class RenderizadorJSONRapido(JSONRenderer):
    """orjson for hot list responses (plain dicts of str/int/bool/None); anything orjson
    does not know (lazy translations, Decimal) goes through DRF's own encoder. Error bodies
    of the same views carry int keys (DRF's errors of the n-th item of a list field, e.g.
    ``{"evidencias": {0: [...]}}``): OPT_NON_STR_KEYS writes them as JSON's string keys,
    as the stdlib encoder does (schemathesis found the 500)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=self.encoder_class().default,
                            option=orjson.OPT_NON_STR_KEYS)


def _cuerpo(message: str, extra=None) -> dict:
    return {"message": message, "extra": extra or {}}


def manejador_excepciones(exc, context):
    # Database or Redis unreachable (in the view or in authentication): 503 + Retry-After.
    servicio = indisponibilidad.anotar(context.get("request"), exc)
    if servicio is not None:
        return indisponibilidad.respuesta(context["request"], servicio)
    if isinstance(exc, ErrorDominio):
        return Response(_cuerpo(exc.message, exc.extra), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        extra = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_cuerpo(_("Los datos enviados no son válidos."), extra), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = _cuerpo(_("Los datos enviados no son válidos."), detail)
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        response.data = _cuerpo(str(detail), {"code": getattr(detail, "code", None)})
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data["extra"]["allowed"] = response.get("Allow", "")
    return response
