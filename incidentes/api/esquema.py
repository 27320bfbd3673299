"""OpenAPI descriptions drf-spectacular cannot infer (imported by incidentes/api/urls.py)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension


class EsquemaValoresIndicadores(OpenApiSerializerFieldExtension):
    """The indicators' "values" field takes a list of strings or one multi-line string."""

    target_class = "incidentes.indicadores.api.serializers.ValoresField"

    def map_serializer_field(self, auto_schema, direction):
        return {"oneOf": [{"type": "array", "items": {"type": "string"}},
                          {"type": "string", "description": "un valor por línea"}]}
