"""Input validation and output shapes of the indicators API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidentes.models import TLP

from .. import listas, vista
from ..models import EstadoImportacion, OrigenIndicador, RolIndicador
from ..normalizacion import ALIAS_TIPO, TipoIndicador


@extend_schema_field({"oneOf": [{"type": "string"},
                                 {"type": "array", "items": {"type": "string"}}]})
class ValoresField(serializers.Field):
    """A list of strings, or one text with a value per line."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            return data
        if isinstance(data, list) and all(isinstance(v, str) for v in data):
            return data
        raise serializers.ValidationError("Una lista de textos o un texto con un valor por línea.")

    def to_representation(self, value):
        return value


class AgregarSerializer(serializers.Serializer):
    valor = serializers.CharField(required=False, trim_whitespace=False, max_length=100_000,
                                  help_text="Un valor (IP, dominio, URL, correo, hash o patrón).")
    valores = ValoresField(required=False, help_text="Varios valores: lista, o texto con uno "
                                                     "por línea (se aceptan formas defanged).")
    tipo = serializers.ChoiceField(
        required=False, allow_blank=True,
        choices=[*TipoIndicador.choices, *((a, a) for a in ALIAS_TIPO)],
        help_text="Vacío: se detecta. También se aceptan alias (ip, md5, sha256, dominio…).")
    rol = serializers.ChoiceField(choices=RolIndicador.choices, default=RolIndicador.MALICIOSO)
    nota = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    tlp = serializers.ChoiceField(
        required=False, allow_null=True, default=None,
        choices=[*TLP.choices, ("white", "TLP:WHITE (TLP 1.0, = clear)")],
        help_text="Por defecto, el del incidente. Se guarda con este avistamiento.")
    confianza = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         min_value=0, max_value=100)
    valido_hasta = serializers.DateTimeField(required=False, allow_null=True, default=None)
    origen = serializers.ChoiceField(choices=OrigenIndicador.choices, required=False)

    def validate(self, attrs):
        if ("valor" in attrs) == ("valores" in attrs):
            raise serializers.ValidationError("Envíe «valor» o «valores».")
        return attrs


class EdicionSerializer(serializers.Serializer):
    tlp = serializers.ChoiceField(choices=TLP.choices, required=False)
    confianza = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                         max_value=100)
    valido_hasta = serializers.DateTimeField(required=False, allow_null=True)
    tipos_stix = serializers.ListField(child=serializers.CharField(), required=False)
    nombre = serializers.CharField(required=False, allow_blank=True, max_length=255)
    descripcion = serializers.CharField(required=False, allow_blank=True)
    revocado = serializers.BooleanField(required=False)


class BuscarSerializer(serializers.Serializer):
    valores = ValoresField(help_text="Lista de valores, o texto con uno por línea.")


def lista_de(ind) -> dict | None:
    lista = listas.coincidencia(ind.tipo, ind.valor)
    return lista.resumen() if lista else None


class IndicadorSerializer(serializers.Serializer):
    """What anyone who may see the indicator gets."""

    id = serializers.IntegerField()
    tipo = serializers.CharField()
    valor = serializers.CharField()
    patron = serializers.CharField()
    stix_id = serializers.CharField()
    sco_id = serializers.CharField()
    tlp = serializers.CharField()
    confianza = serializers.IntegerField(allow_null=True)
    tipos_stix = serializers.ListField(child=serializers.CharField())
    valido_desde = serializers.DateTimeField()
    valido_hasta = serializers.DateTimeField(allow_null=True)
    primera_vez = serializers.DateTimeField(allow_null=True)
    ultima_vez = serializers.DateTimeField(allow_null=True)
    revocado = serializers.BooleanField()
    lista_advertencia = serializers.SerializerMethodField()

    def get_lista_advertencia(self, ind) -> dict | None:
        return lista_de(ind)


class IndicadorPersonalSerializer(IndicadorSerializer):
    """Staff also see what the first source wrote and where it came from."""

    valor_original = serializers.CharField()
    nombre = serializers.CharField()
    descripcion = serializers.CharField()
    origen = serializers.CharField()
    creado = serializers.DateTimeField()
    modificado = serializers.DateTimeField()


class VinculoSerializer(serializers.Serializer):
    """One sighting. ``indicador`` is the national row for CGII staff; for anyone else it
    is this sighting's own view (``vista``: their TLP, confidence and times, never another
    entity's). Pass ``context={"personal": es_personal_cgii(user)}``; without it the
    entity view is used."""

    id = serializers.IntegerField()
    indicador = serializers.SerializerMethodField()
    rol = serializers.CharField()
    nota = serializers.CharField()
    origen = serializers.CharField()
    valor_original = serializers.CharField()
    tlp = serializers.CharField(help_text="TLP de este avistamiento (el de quien lo agregó).")
    confianza = serializers.IntegerField(allow_null=True)
    valido_hasta = serializers.DateTimeField(allow_null=True)
    agregado_por = serializers.SerializerMethodField()
    agregado_en = serializers.DateTimeField()
    primera_vez = serializers.DateTimeField(allow_null=True)
    ultima_vez = serializers.DateTimeField(allow_null=True)
    conteo = serializers.IntegerField()
    exportable = serializers.SerializerMethodField(
        help_text="False: el valor está en una lista de advertencia (indicador.lista_advertencia "
                  "dice cuál) y nunca se exporta en STIX, el feed ni TAXII.")

    def get_exportable(self, v) -> bool:
        return v.indicador.lista_advertencia is None

    @extend_schema_field(IndicadorSerializer)
    def get_indicador(self, v) -> dict:
        if self.context.get("personal"):
            return IndicadorSerializer(v.indicador).data
        return IndicadorSerializer(vista.de_vinculo(v)).data

    def get_agregado_por(self, v) -> str | None:
        u = v.agregado_por
        return (u.get_full_name() or u.username) if u else None


class ImportacionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    estado = serializers.ChoiceField(choices=EstadoImportacion.choices)
    progreso = serializers.IntegerField()
    procesados = serializers.IntegerField()
    total_objetos = serializers.IntegerField()
    total_errores = serializers.IntegerField()
    contadores = serializers.DictField()
    solo_validos = serializers.BooleanField()
    tlp_defecto = serializers.CharField()
    incidente = serializers.SerializerMethodField()
    nombre_archivo = serializers.CharField()
    tamano = serializers.IntegerField()
    sha256 = serializers.CharField()
    mensaje = serializers.CharField()
    creado = serializers.DateTimeField()
    iniciado = serializers.DateTimeField(allow_null=True)
    terminado = serializers.DateTimeField(allow_null=True)

    def get_incidente(self, i) -> dict | None:
        if not i.incidente_id:
            return None
        return {"id": i.incidente_id, "codigo": i.incidente.codigo}


class ImportacionDetalleSerializer(ImportacionSerializer):
    errores = serializers.ListField(child=serializers.DictField())
