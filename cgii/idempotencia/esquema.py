"""OpenAPI for ``@idempotente`` handlers: the optional ``Idempotency-Key`` request header,
``Idempotent-Replayed`` on their 2xx responses, and the 409/422 the key can produce.

``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` points here; ``@extend_schema`` builds its
per-view schema classes on top of the default one, so every annotated view keeps this.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .drf import CABECERA_REPETIDA
from .huella import CABECERA


# The API's error body (cgii.api.manejador_excepciones).
class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    extra = serializers.DictField()


PARAMETROS = [
    OpenApiParameter(
        CABECERA, {"type": "string", "minLength": 1, "maxLength": 255,
                   "pattern": "^[\\x20-\\x7e]*[\\x21-\\x7e][\\x20-\\x7e]*$"}, OpenApiParameter.HEADER,
        required=False,
        description="Clave única por operación (1-255 caracteres ASCII imprimibles, p. ej. un "
                    "UUID). Repetir la solicitud con la misma clave dentro de 24 h devuelve la "
                    "primera respuesta en lugar de ejecutarla otra vez. Ver docs/api.md."),
    OpenApiParameter(
        CABECERA_REPETIDA, OpenApiTypes.STR, OpenApiParameter.HEADER,
        response=["200", "201", "202"], enum=["true"],
        description="Presente (true) cuando la respuesta es la repetición de una anterior "
                    "con la misma Idempotency-Key."),
]
RESPUESTAS = {
    "409": OpenApiResponse(ErrorSerializer, description=(
        "Otra solicitud con la misma Idempotency-Key aún se está procesando.")),
    "422": OpenApiResponse(ErrorSerializer, description=(
        "La Idempotency-Key ya se usó con otra solicitud (otro método, ruta o contenido).")),
}


class EsquemaAPI(AutoSchema):
    def _idempotente(self) -> bool:
        manejador = getattr(self.view, self.method.lower(), None)
        return getattr(manejador, "idempotente", False)

    def get_override_parameters(self):
        parametros = super().get_override_parameters()
        if self._idempotente():
            parametros = [*parametros, *PARAMETROS]
        return parametros

    def _get_response_bodies(self, direction="response"):
        respuestas = super()._get_response_bodies(direction)
        if self._idempotente():
            for codigo, respuesta in RESPUESTAS.items():
                if codigo not in respuestas:
                    respuestas[codigo] = self._get_response_for_code(respuesta, codigo,
                                                                     direction=direction)
        return respuestas
