from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.errores import ErrorValidacion, PermisoDenegado

from ..models import TokenAPI
from ..selectors import entidades_visibles, perfil_de, tokens_de
from ..services import sesion_verificada, token_crear, token_revocar
from .serializers import (
    TokenAPICreadoSerializer,
    TokenAPICrearSerializer,
    TokenAPISerializer,
    YoSerializer,
)

_EJEMPLO_TOKEN = {
    "id": 7, "nombre": "Integración SIEM", "prefijo": "cgii_Xb3k9QaZ",
    "entidad": {"id": 1, "sigla": "MEFP", "nombre": "Ministerio de Economía y Finanzas Públicas"},
    "alcance": "lectura", "creado": "2026-03-02T10:15:00-04:00",
    "expira": "2026-05-31T10:15:00-04:00", "ultimo_uso": None, "revocado_en": None,
    "activo": True,
}
_ERROR_404 = {"message": "No encontrado.", "extra": {"code": "not_found"}}


class YoVista(APIView):
    @extend_schema(
        tags=["cuenta"], summary="Usuario autenticado, sus roles y entidades",
        responses=YoSerializer,
        examples=[OpenApiExample("Reportante de una entidad", response_only=True, value={
            "id": 3, "username": "reportante.mefp", "nombre_completo": "Rosa Quispe",
            "email": "reportante.mefp@demo.gob.bo", "roles_cgii": [],
            "entidades": [{"id": 1, "sigla": "MEFP", "roles": ["reportante"],
                           "nombre": "Ministerio de Economía y Finanzas Públicas"}],
            "token": {"prefijo": "cgii_Xb3k9QaZ", "entidad": "MEFP"},
        })],
    )
    def get(self, request):
        token = request.auth if isinstance(request.auth, TokenAPI) else None
        return Response(YoSerializer(perfil_de(request.user, token=token)).data)


class TokensVista(generics.ListAPIView):
    serializer_class = TokenAPISerializer

    def get_queryset(self):
        return tokens_de(self.request.user)

    @extend_schema(
        tags=["cuenta"], summary="Tokens de API propios",
        # drf-spectacular wraps a list example in the pagination envelope itself.
        examples=[OpenApiExample("Un token", response_only=True, value=_EJEMPLO_TOKEN)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["cuenta"], summary="Crear un token de API (la clave se muestra una sola vez)",
        description="Solo desde una sesión iniciada (el personal CGII, verificada con TOTP): "
                    "un token no puede crear otros tokens. Todo token vence (`dias`) y tiene "
                    "un alcance: «lectura» rechaza toda solicitud que modifique datos.",
        request=TokenAPICrearSerializer,
        responses={201: TokenAPICreadoSerializer, 400: OpenApiResponse(description="Datos no válidos"),
                   403: OpenApiResponse(description="Solicitud autenticada con un token")},
        examples=[
            OpenApiExample("Crear", request_only=True, value={"nombre": "Integración SIEM"}),
            OpenApiExample("Creado", response_only=True, status_codes=["201"],
                           value={**_EJEMPLO_TOKEN,
                                  "clave": "cgii_Xb3k9QaZ8mW2vT7yLq0sR4nE1uJ6pD5gH3cK9fA2bVw"}),
        ],
    )
    def post(self, request):
        # A leaked token minting fresh ones would outlive its own revocation.
        if request.auth is not None:
            raise PermisoDenegado(_("Los tokens nuevos se crean desde una sesión iniciada, "
                                    "no con otro token."))
        entrada = TokenAPICrearSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        entidad = None
        if entrada.validated_data.get("entidad") is not None:
            entidad = entidades_visibles(request.user).filter(
                pk=entrada.validated_data["entidad"]).first()
            if entidad is None:
                raise ErrorValidacion(extra={"entidad": [_("Entidad no válida.")]})
        d = entrada.validated_data
        token, clave = token_crear(usuario=request.user, nombre=d["nombre"], entidad=entidad,
                                   alcance=d["alcance"], dias=d.get("dias"),
                                   segundo_factor=sesion_verificada(request.user))
        salida = TokenAPICreadoSerializer(token, context={"clave": clave})
        return Response(salida.data, status=status.HTTP_201_CREATED)


class TokenVista(APIView):
    @extend_schema(
        tags=["cuenta"], summary="Revocar un token propio",
        responses={204: None, 404: OpenApiResponse(description="No existe o no es suyo",
                                                   examples=[OpenApiExample("404", value=_ERROR_404)])},
    )
    def delete(self, request, pk: int):
        token = get_object_or_404(tokens_de(request.user), pk=pk)
        token_revocar(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
