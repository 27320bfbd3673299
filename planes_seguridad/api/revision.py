"""Review API: rounds, observations per section and per control (recorded by CGII, answered
by the entity, addressed or reopened by CGII), what changed since the last round, and the
conformity checklist with its reasons. The plan is resolved first (another entity's: 404)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.api import Paginacion
from cgii.errores import NoEncontrado
from cgii.idempotencia.drf import idempotente

from .. import selectors, services
from .views import _entrada, _paginar


class RondaSerializer(serializers.Serializer):
    numero = serializers.IntegerField()
    abierta_en = serializers.DateTimeField()
    cerrada_en = serializers.DateTimeField(allow_null=True)
    resultado = serializers.CharField(help_text="observado | conforme | '' (abierta)")
    n_observaciones = serializers.IntegerField()
    n_abiertas = serializers.IntegerField(help_text="Sin responder.")


class ObservacionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ronda = serializers.IntegerField(source="ronda.numero")
    seccion = serializers.CharField()
    seccion_display = serializers.CharField(source="get_seccion_display")
    control = serializers.CharField(source="aplicabilidad.control.numero", allow_null=True,
                                    default=None)
    texto = serializers.CharField()
    autor = serializers.SerializerMethodField()
    creada = serializers.DateTimeField()
    estado = serializers.CharField(help_text="abierta | respondida | atendida")
    respuesta = serializers.CharField()
    respondida_en = serializers.DateTimeField(allow_null=True)
    atendida_en = serializers.DateTimeField(allow_null=True)
    comentario_cgii = serializers.CharField()

    def get_autor(self, o) -> str:
        return o.autor.get_full_name() or o.autor.get_username()


class ObservacionCrearSerializer(serializers.Serializer):
    seccion = serializers.CharField(required=False, default="general", help_text=(
        "general | alcance | organizacion | politica | activos | riesgos | soa | cronograma"))
    control = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                    help_text="Número de control (observación por control).")
    texto = serializers.CharField()


class RespuestaObservacionSerializer(serializers.Serializer):
    respuesta = serializers.CharField()


class AtencionSerializer(serializers.Serializer):
    atendida = serializers.BooleanField(help_text="true: atendida; false: se reabre")
    comentario = serializers.CharField(required=False, allow_blank=True, default="",
                                       help_text="Obligatorio al reabrir.")


class CambioCampoSerializer(serializers.Serializer):
    campo = serializers.CharField()
    etiqueta = serializers.CharField()
    antes = serializers.CharField()
    despues = serializers.CharField()


class ElementoCambiadoSerializer(serializers.Serializer):
    clave = serializers.CharField()
    titulo = serializers.CharField()
    campos = CambioCampoSerializer(many=True, required=False)


class SeccionDiferenciasSerializer(serializers.Serializer):
    clave = serializers.CharField()
    titulo = serializers.CharField()
    agregados = ElementoCambiadoSerializer(many=True)
    quitados = ElementoCambiadoSerializer(many=True)
    cambiados = ElementoCambiadoSerializer(many=True)
    total = serializers.IntegerField()


class DiferenciasSerializer(serializers.Serializer):
    ronda = serializers.IntegerField(help_text="La última ronda cerrada (su instantánea).")
    desde = serializers.DateTimeField()
    resultado = serializers.CharField()
    secciones = SeccionDiferenciasSerializer(many=True)
    total = serializers.IntegerField()


class CondicionSerializer(serializers.Serializer):
    etiqueta = serializers.CharField()
    ok = serializers.BooleanField()
    motivo = serializers.CharField()


def _observacion(usuario, pk: int, observacion_id: int) -> dict:
    plan = selectors.plan_obtener(usuario=usuario, plan_id=pk)
    try:
        return ObservacionSerializer(
            selectors.observaciones_de(plan=plan).get(pk=observacion_id)).data
    except (ValueError, TypeError, plan.observaciones_revision.model.DoesNotExist):
        raise NoEncontrado() from None


class RondasView(APIView):
    @extend_schema(summary="Rondas de revisión del plan", responses=RondaSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return Response(RondaSerializer(selectors.rondas_de(plan=plan), many=True).data)


class ObservacionesView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Observaciones de la revisión (todas las rondas)",
                   parameters=[OpenApiParameter("estado", str,
                                                description="abierta | respondida | atendida")],
                   responses=ObservacionSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        qs = selectors.observaciones_de(plan=plan, estado=request.query_params.get("estado"))
        return _paginar(request, self, qs, ObservacionSerializer)

    @extend_schema(summary="Registrar una observación por sección o por control (CGII, plan "
                           "en revisión)", request=ObservacionCrearSerializer,
                   responses={201: ObservacionSerializer})
    @idempotente
    def post(self, request, pk: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(ObservacionCrearSerializer, request)
        obs = services.observacion_registrar(actor=request.user, plan_id=pk,
                                             seccion=datos["seccion"], texto=datos["texto"],
                                             control=datos.get("control") or None)
        return Response(_observacion(request.user, pk, obs.pk), status=status.HTTP_201_CREATED)


class RespuestaView(APIView):
    @extend_schema(summary="La entidad responde una observación (plan observado)",
                   request=RespuestaObservacionSerializer, responses=ObservacionSerializer)
    @idempotente
    def post(self, request, pk: int, observacion_id: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(RespuestaObservacionSerializer, request)
        services.observacion_responder(actor=request.user, plan_id=pk,
                                       observacion_id=observacion_id,
                                       respuesta=datos["respuesta"])
        return Response(_observacion(request.user, pk, observacion_id))


class AtencionView(APIView):
    @extend_schema(summary="El CGII da por atendida una respuesta o reabre la observación",
                   request=AtencionSerializer, responses=ObservacionSerializer)
    @idempotente
    def post(self, request, pk: int, observacion_id: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(AtencionSerializer, request)
        services.observacion_atender(actor=request.user, plan_id=pk,
                                     observacion_id=observacion_id, **datos)
        return Response(_observacion(request.user, pk, observacion_id))


class DiferenciasView(APIView):
    @extend_schema(summary="Cambios desde la última ronda de revisión cerrada (SoA, riesgos, "
                           "activos, cronograma, datos)", responses=DiferenciasSerializer)
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = selectors.diferencias_de(plan=plan)
        if datos is None:
            raise NoEncontrado("El plan aún no tiene una ronda de revisión cerrada.")
        return Response(DiferenciasSerializer(datos).data)


class ConformidadView(APIView):
    @extend_schema(summary="Lista de conformidad: cada condición de «dar conformidad» con su "
                           "motivo", responses=CondicionSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return Response(CondicionSerializer(selectors.lista_conformidad(plan=plan),
                                            many=True).data)
