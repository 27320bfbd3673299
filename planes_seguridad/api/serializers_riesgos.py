"""Serializers of the risk management API (assets, the risk register, the heat maps and the
catalogs behind them). Input serializers only type the fields; every rule is the services'."""

from rest_framework import serializers


class ElementoRiesgoSerializer(serializers.Serializer):
    codigo = serializers.CharField()
    titulo = serializers.CharField()
    grupo = serializers.CharField()
    grupo_titulo = serializers.CharField()
    catalogo = serializers.CharField(source="catalogo.codigo")
    catalogo_version = serializers.IntegerField(source="catalogo.version")


class NivelMatrizSerializer(serializers.Serializer):
    codigo = serializers.CharField()
    nombre = serializers.CharField()


class MatrizSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    codigo = serializers.CharField()
    version = serializers.IntegerField()
    nombre = serializers.CharField()
    probabilidad = serializers.ListField(child=serializers.CharField())
    impacto = serializers.ListField(child=serializers.CharField())
    niveles = NivelMatrizSerializer(many=True)
    celdas = serializers.ListField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="celdas[probabilidad - 1][impacto - 1] → nivel")
    aceptacion_mae_desde = serializers.CharField()


class ActivoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    codigo = serializers.CharField()
    nombre = serializers.CharField()
    tipo = serializers.CharField()
    tipo_display = serializers.CharField(source="get_tipo_display")
    descripcion = serializers.CharField()
    propietario = serializers.CharField()
    ubicacion = serializers.CharField()
    clasificacion = serializers.CharField()
    valor_c = serializers.IntegerField()
    valor_i = serializers.IntegerField()
    valor_d = serializers.IntegerField()
    valor = serializers.IntegerField(help_text="El mayor de los tres valores.")
    n_riesgos = serializers.IntegerField(required=False, default=0)


class ActivoEntradaSerializer(serializers.Serializer):
    codigo = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                   help_text="Opcional al crear: A-01, A-02…")
    nombre = serializers.CharField(required=False, allow_blank=True)
    tipo = serializers.CharField(required=False, help_text=(
        "informacion | servicio | software | hardware | red | soporte | auxiliar | "
        "instalacion | personal"))
    descripcion = serializers.CharField(required=False, allow_blank=True)
    propietario = serializers.CharField(required=False, allow_blank=True)
    ubicacion = serializers.CharField(required=False, allow_blank=True)
    clasificacion = serializers.CharField(required=False,
                                          help_text="publica | interna | confidencial | reservada")
    valor_c = serializers.IntegerField(required=False, help_text="1 a 5")
    valor_i = serializers.IntegerField(required=False, help_text="1 a 5")
    valor_d = serializers.IntegerField(required=False, help_text="1 a 5")


class _Ref(serializers.Serializer):
    id = serializers.IntegerField()
    codigo = serializers.CharField()
    nombre = serializers.CharField()


class _Actividad(serializers.Serializer):
    id = serializers.IntegerField()
    titulo = serializers.CharField()


class _Usuario(serializers.Serializer):
    id = serializers.IntegerField()
    nombre = serializers.SerializerMethodField()

    def get_nombre(self, u) -> str:
        return u.get_full_name() or u.get_username()


class RiesgoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    codigo = serializers.CharField()
    activo = _Ref()
    amenaza = ElementoRiesgoSerializer()
    vulnerabilidad = ElementoRiesgoSerializer(allow_null=True)
    descripcion = serializers.CharField()
    probabilidad = serializers.IntegerField(allow_null=True)
    impacto = serializers.IntegerField(allow_null=True)
    nivel = serializers.CharField(help_text="Nivel inherente según la matriz del plan.")
    tratamiento = serializers.CharField(help_text="mitigar | transferir | evitar | aceptar | ''")
    detalle_tratamiento = serializers.CharField()
    responsable = serializers.CharField()
    controles = serializers.SerializerMethodField()
    actividades = _Actividad(many=True)
    probabilidad_residual = serializers.IntegerField(allow_null=True)
    impacto_residual = serializers.IntegerField(allow_null=True)
    nivel_residual = serializers.CharField()
    aceptado_por = _Usuario(allow_null=True)
    aceptado_en = serializers.DateTimeField(allow_null=True)
    aceptacion_comentario = serializers.CharField()

    def get_controles(self, e) -> list[str]:
        return [f.control.numero for f in e.controles.all()]


class RiesgoEntradaSerializer(serializers.Serializer):
    codigo = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                   help_text="Opcional al crear: R-01, R-02…")
    activo = serializers.CharField(required=False, help_text="Código del activo (A-01).")
    amenaza = serializers.CharField(required=False, help_text="Código MAGERIT (A.24).")
    vulnerabilidad = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                           help_text="Código del catálogo (V.TEC.1).")
    descripcion = serializers.CharField(required=False, allow_blank=True)
    probabilidad = serializers.IntegerField(required=False, allow_null=True)
    impacto = serializers.IntegerField(required=False, allow_null=True)
    tratamiento = serializers.CharField(required=False, allow_blank=True)
    detalle_tratamiento = serializers.CharField(required=False, allow_blank=True)
    responsable = serializers.CharField(required=False, allow_blank=True)
    controles = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text="Números de control de la declaración.")
    actividades = serializers.ListField(child=serializers.IntegerField(), required=False,
                                        help_text="Ids de actividades del cronograma.")
    probabilidad_residual = serializers.IntegerField(required=False, allow_null=True)
    impacto_residual = serializers.IntegerField(required=False, allow_null=True)


class AceptacionSerializer(serializers.Serializer):
    riesgos = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    comentario = serializers.CharField(required=False, allow_blank=True, default="")


class CeldaSerializer(serializers.Serializer):
    impacto = serializers.IntegerField()
    nivel = serializers.CharField()
    nivel_nombre = serializers.CharField()
    n = serializers.IntegerField()
    codigos = serializers.ListField(child=serializers.CharField())


class FilaMapaSerializer(serializers.Serializer):
    probabilidad = serializers.IntegerField()
    etiqueta = serializers.CharField()
    celdas = CeldaSerializer(many=True)


class MapaSerializer(serializers.Serializer):
    filas = FilaMapaSerializer(many=True)
    total = serializers.IntegerField()


class EvaluacionRiesgosSerializer(serializers.Serializer):
    matriz = MatrizSerializer(allow_null=True)
    inherente = MapaSerializer()
    residual = MapaSerializer()
    resumen = serializers.JSONField()
    faltantes = serializers.ListField(child=serializers.CharField(), help_text=(
        "Lo que le falta a la evaluación para la conformidad (vacío: completa)."))
