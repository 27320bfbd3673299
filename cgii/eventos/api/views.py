"""The bell: a user's notifications and preferences (always the caller's own)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.api import Paginacion

from .. import notificaciones


class NotificacionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tipo = serializers.CharField()
    texto = serializers.CharField()
    enlace = serializers.CharField()
    leida = serializers.BooleanField()
    creado = serializers.DateTimeField()


class LeidasSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    todas = serializers.BooleanField(required=False, default=False)


class PreferenciaSerializer(serializers.Serializer):
    tipo = serializers.CharField()
    etiqueta = serializers.CharField(read_only=True)
    en_app = serializers.BooleanField()
    email = serializers.BooleanField()


class NotificacionesView(APIView):
    @extend_schema(summary="Mis notificaciones (más recientes primero)",
                   responses=NotificacionSerializer(many=True))
    def get(self, request):
        solo = request.query_params.get("no_leidas") in ("1", "true")
        qs = notificaciones.notificaciones_de(request.user, solo_no_leidas=solo)
        paginador = Paginacion()
        pagina = paginador.paginate_queryset(qs, request, view=self)
        respuesta = paginador.get_paginated_response([n.como_dict() for n in pagina])
        respuesta.data["no_leidas"] = notificaciones.no_leidas(request.user.pk)
        return respuesta


class LeidasView(APIView):
    @extend_schema(summary="Marcar como leídas", request=LeidasSerializer,
                   responses=inline_serializer("NoLeidas", {"no_leidas": serializers.IntegerField()}))
    def post(self, request):
        entrada = LeidasSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        restantes = notificaciones.marcar_leidas(request.user, ids=entrada.validated_data.get("ids"),
                                                 todas=entrada.validated_data["todas"])
        return Response({"no_leidas": restantes})


class PreferenciasView(APIView):
    @extend_schema(summary="Preferencias por tipo de notificación",
                   responses=PreferenciaSerializer(many=True))
    def get(self, request):
        return Response(notificaciones.preferencias_de(request.user))

    @extend_schema(summary="Guardar preferencias", request=PreferenciaSerializer(many=True),
                   responses=PreferenciaSerializer(many=True))
    def put(self, request):
        entrada = PreferenciaSerializer(data=request.data, many=True)
        entrada.is_valid(raise_exception=True)
        return Response(notificaciones.preferencias_guardar(request.user,
                                                            list(entrada.validated_data)))
