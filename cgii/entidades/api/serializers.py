from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import AlcanceToken, TokenAPI
from ..services import PREFIJO_CLAVE


class EntidadBreveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sigla = serializers.CharField()
    nombre = serializers.CharField()


class EntidadConRolesSerializer(EntidadBreveSerializer):
    roles = serializers.ListField(child=serializers.CharField())


class YoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    nombre_completo = serializers.CharField()
    email = serializers.EmailField()
    roles_cgii = serializers.ListField(child=serializers.CharField())
    entidades = EntidadConRolesSerializer(many=True)
    token = serializers.DictField(
        allow_null=True,
        help_text=_("Prefijo y entidad del token con que se autenticó la solicitud, si hubo."),
    )


class TokenAPISerializer(serializers.ModelSerializer):
    prefijo = serializers.SerializerMethodField()
    entidad = EntidadBreveSerializer(allow_null=True, read_only=True)
    activo = serializers.BooleanField(read_only=True)

    class Meta:
        model = TokenAPI
        fields = ["id", "nombre", "prefijo", "entidad", "alcance", "creado", "expira",
                  "ultimo_uso", "revocado_en", "activo"]
        read_only_fields = fields

    def get_prefijo(self, token: TokenAPI) -> str:
        return PREFIJO_CLAVE + token.prefijo


class TokenAPICreadoSerializer(TokenAPISerializer):
    clave = serializers.SerializerMethodField(
        help_text=_("La clave completa; se muestra solo esta vez.")
    )

    class Meta(TokenAPISerializer.Meta):
        fields = [*TokenAPISerializer.Meta.fields, "clave"]
        read_only_fields = fields

    def get_clave(self, token: TokenAPI) -> str:
        return self.context["clave"]


class TokenAPICrearSerializer(serializers.Serializer):
    nombre = serializers.CharField(max_length=100)
    alcance = serializers.ChoiceField(
        choices=AlcanceToken.choices, default=AlcanceToken.LECTURA,
        help_text=_("«lectura» (por defecto): solo consultas; «escritura»: también modifica."))
    dias = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.TOKENS_API_DIAS_MAXIMO,
        help_text=_("Días de vigencia (por defecto %(d)d, máximo %(m)d).") % {
            "d": settings.TOKENS_API_DIAS, "m": settings.TOKENS_API_DIAS_MAXIMO})
    entidad = serializers.IntegerField(
        required=False, allow_null=True,
        help_text=_("Id de la entidad a la que se limita el token; por defecto su única "
                    "entidad. Vacío para el personal CGII."),
    )
