"""OpenAPI descriptions drf-spectacular cannot infer (imported by incidentes/api/urls.py)."""

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension


class EsquemaValoresIndicadores(OpenApiSerializerFieldExtension):
    """The indicators' "values" field takes a list of strings or one multi-line string."""

    target_class = "incidentes.indicadores.api.serializers.ValoresField"

    def map_serializer_field(self, auto_schema, direction):
        return {"oneOf": [{"type": "array", "items": {"type": "string"}},
                          {"type": "string", "description": "un valor por línea"}]}


class EsquemaAgregarIndicadores(OpenApiSerializerExtension):
    """Adding indicators takes «valor» or «valores», exactly one of them."""

    target_class = "incidentes.indicadores.api.serializers.AgregarSerializer"

    def map_serializer(self, auto_schema, direction):
        esquema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        esquema["oneOf"] = [{"required": ["valor"]}, {"required": ["valores"]}]
        return esquema
