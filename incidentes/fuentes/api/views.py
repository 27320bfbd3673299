"""The intake endpoint IntelMQ's REST API output bot posts to, and the aggregations' host
tables (thin: parse, call a service or selector, serialise)."""

import orjson
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.errores import ArchivoDemasiadoGrande
from cgii.idempotencia.esquema import ErrorSerializer

from .. import services
from . import serializers as s

MAX_BYTES = 32 * 1024 * 1024


class ParserJSONRapido(BaseParser):
    """JSON with orjson: a 10,000-event batch parses several times faster than with json."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return orjson.loads(stream.read())
        except orjson.JSONDecodeError as exc:
            raise ParseError(_("JSON no válido: %(e)s") % {"e": exc}) from None


EJEMPLO = OpenApiExample(
    "Un evento de IntelMQ (salida REST API)",
    value={"feed.name": "Accessible-RDP", "feed.provider": "Shadowserver",
           "classification.taxonomy": "vulnerable",
           "classification.type": "potentially-unwanted-accessible",
           "classification.identifier": "accessible-rdp", "source.ip": "200.87.12.7",
           "source.port": 3389, "source.asn": 26210, "protocol.transport": "tcp",
           "time.source": "2026-11-24T06:12:00+00:00",
           "time.observation": "2026-11-24T08:00:03+00:00"},
    request_only=True)


class EventosView(APIView):
    parser_classes = [ParserJSONRapido]

    @extend_schema(
        summary="Recibir eventos armonizados de IntelMQ (uno o un lote)",
        description=(
            "Cuerpo: un evento (lo que envía el bot de salida REST API de IntelMQ, uno por "
            "solicitud) o una lista de hasta 10 000 eventos, con claves planas "
            "(«source.ip») o jerárquicas. Cada evento se valida; si uno falla no se guarda "
            "ninguno y la respuesta lista el error de cada evento inválido por su índice. "
            "Se descartan duplicados (misma fuente, host, identificador y día) y se "
            "enrutan a su entidad por IP, luego FQDN, luego ASN. Reintentar es seguro: "
            "un reenvío no guarda nada dos veces (por eso no usa Idempotency-Key, que se "
            "ignora aquí; ver docs/fuentes.md). Solo personal CGII con rol analista, "
            "coordinador o administrador (la cuenta de servicio de IntelMQ)."),
        request={"application/json": {"oneOf": [
            {"type": "object", "additionalProperties": True},
            {"type": "array", "items": {"type": "object", "additionalProperties": True},
             "maxItems": 10000}]}},
        responses={200: s.ResultadoIngestaSerializer,
                   400: OpenApiResponse(ErrorSerializer, description=(
                       "Eventos inválidos: extra.eventos = [{indice, errores: {campo: "
                       "[mensajes]}}], extra.invalidos = cantidad; nada se guardó.")),
                   403: OpenApiResponse(ErrorSerializer, description="Sin rol de ingesta."),
                   413: OpenApiResponse(ErrorSerializer, description="Cuerpo > 32 MiB.")},
        examples=[EJEMPLO])
    def post(self, request):
        try:
            largo = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            largo = 0
        if largo > MAX_BYTES:
            raise ArchivoDemasiadoGrande(extra={"maximo_bytes": MAX_BYTES})
        services.ingesta.exigir_ingesta(request.user)  # 403 before reading the body
        datos = request.data
        eventos = [datos] if isinstance(datos, dict) else datos
        resultado = services.eventos_recibir(actor=request.user, eventos=eventos)
        return Response(s.ResultadoIngestaSerializer(resultado.como_dict()).data)
