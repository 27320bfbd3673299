"""Analysts' own tasks and «Mis tareas» (issue 18): thin views over services/tareas.py and
selectores_tareas.py."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.api import Paginacion
from cgii.idempotencia.drf import idempotente

from .. import selectores_tareas
from ..models import EstadoTarea, Tarea
from ..selectors import incidente_obtener
from ..services import tareas as servicio
from .serializers import UsuarioRef


class TareaPropiaSerializer(serializers.ModelSerializer):
    asignado = UsuarioRef(allow_null=True)
    incidente_codigo = serializers.CharField(source="incidente.codigo", read_only=True)

    class Meta:
        model = Tarea
        fields = ["id", "incidente", "incidente_codigo", "titulo", "instrucciones", "estado",
                  "asignado", "vence_en", "compartida", "propia", "nota", "completada_en"]


class TareaPropiaCrearSerializer(serializers.Serializer):
    titulo = serializers.CharField(max_length=200)
    descripcion = serializers.CharField(required=False, allow_blank=True, default="")
    asignado_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    vence_en = serializers.DateTimeField(required=False, allow_null=True, default=None)
    compartida = serializers.BooleanField(required=False, default=False, help_text=(
        "Compartida con la entidad: la ve y puede asignarse a uno de sus usuarios."))


class TareaPropiaCambioSerializer(serializers.Serializer):
    estado = serializers.ChoiceField(choices=EstadoTarea.choices, required=False)
    nota = serializers.CharField(required=False, allow_blank=True)
    titulo = serializers.CharField(required=False, max_length=200)
    asignado_id = serializers.IntegerField(required=False, allow_null=True)
    vence_en = serializers.DateTimeField(required=False)
    compartida = serializers.BooleanField(required=False)


class TareasPropiasView(APIView):
    @extend_schema(summary="Tareas propias del incidente (las compartidas, para la entidad)",
                   responses=TareaPropiaSerializer(many=True))
    def get(self, request, pk: int):
        incidente = incidente_obtener(usuario=request.user, incidente_id=pk)
        return Response(TareaPropiaSerializer(selectores_tareas.tareas_propias_de(
            usuario=request.user, incidente=incidente), many=True).data)

    @extend_schema(summary="Agregar una tarea propia (responsable, plazo, compartida o no)",
                   request=TareaPropiaCrearSerializer,
                   responses={201: TareaPropiaSerializer})
    @idempotente
    def post(self, request, pk: int):
        entrada = TareaPropiaCrearSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        tarea = servicio.tarea_crear(actor=request.user, incidente_id=pk,
                                     **entrada.validated_data)
        return Response(TareaPropiaSerializer(tarea).data, status=status.HTTP_201_CREATED)


class TareaPropiaView(APIView):
    @extend_schema(summary="Actualizar una tarea propia (la entidad: estado y nota si es suya)",
                   request=TareaPropiaCambioSerializer, responses=TareaPropiaSerializer)
    def patch(self, request, pk: int, tarea_id: int):
        entrada = TareaPropiaCambioSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        datos = dict(entrada.validated_data)
        quitar = "asignado_id" in datos and datos["asignado_id"] is None
        if quitar:
            datos.pop("asignado_id")
        tarea = servicio.tarea_propia_actualizar(actor=request.user, incidente_id=pk,
                                                 tarea_id=tarea_id, quitar_asignado=quitar,
                                                 **datos)
        return Response(TareaPropiaSerializer(tarea).data)


class MisTareasView(APIView):
    pagination_class = Paginacion

    @extend_schema(summary="Mis tareas: las asignadas a mí (CGII) o las compartidas con mi "
                           "entidad",
                   parameters=[OpenApiParameter("todas", bool, description=(
                       "también las hechas o que no aplican"))],
                   responses=TareaPropiaSerializer(many=True))
    def get(self, request):
        todas = request.query_params.get("todas", "").lower() in ("1", "true")
        qs = selectores_tareas.mis_tareas(usuario=request.user, abiertas=not todas)
        paginador = Paginacion()
        pagina = paginador.paginate_queryset(qs, request, view=self)
        return paginador.get_paginated_response(TareaPropiaSerializer(pagina, many=True).data)
