"""Risk management API: the catalogs and matrix in force, a plan's assets and risk register
(CRUD), the MAE's acceptance and the heat maps. Thin: every route resolves the plan through
the tenant-scoped selector first (another entity's plan is a 404) and calls one service."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.api import Paginacion
from cgii.errores import NoEncontrado
from cgii.idempotencia.drf import idempotente

from .. import selectors, services
from . import serializers_riesgos as s
from .views import _entrada, _paginar


def evaluacion_de(usuario, plan_id: int) -> dict:
    """Heat maps (inherent, residual), summary and what the assessment still lacks."""
    plan = selectors.plan_obtener(usuario=usuario, plan_id=plan_id)
    escenarios = list(selectors.riesgos_de(plan=plan))
    matriz = selectors.matriz_de(plan)
    return {"matriz": matriz,
            "inherente": selectors.mapa_calor(matriz=matriz, escenarios=escenarios),
            "residual": selectors.mapa_calor(matriz=matriz, escenarios=escenarios,
                                             residual=True),
            "resumen": selectors.resumen_riesgos(plan=plan, escenarios=escenarios),
            "faltantes": plan.riesgos_faltantes()}


class AmenazasView(APIView):
    @extend_schema(summary="Amenazas del catálogo vigente (MAGERIT v3: códigos y títulos)",
                   responses=s.ElementoRiesgoSerializer(many=True))
    def get(self, request):
        return Response(s.ElementoRiesgoSerializer(selectors.amenazas_vigentes(), many=True).data)


class VulnerabilidadesView(APIView):
    @extend_schema(summary="Vulnerabilidades del catálogo vigente (propio del CGII)",
                   responses=s.ElementoRiesgoSerializer(many=True))
    def get(self, request):
        return Response(s.ElementoRiesgoSerializer(selectors.vulnerabilidades_vigentes(),
                                                   many=True).data)


class MatrizView(APIView):
    @extend_schema(summary="Matriz de riesgo vigente (probabilidad × impacto)",
                   responses=s.MatrizSerializer)
    def get(self, request):
        matriz = selectors.matriz_vigente()
        if matriz is None:
            raise NoEncontrado("No hay una matriz de riesgo cargada.")
        return Response(s.MatrizSerializer(matriz).data)


def _activo(usuario, pk: int, activo_id: int) -> dict:
    plan = selectors.plan_obtener(usuario=usuario, plan_id=pk)
    try:
        return s.ActivoSerializer(selectors.activos_de(plan=plan).get(pk=activo_id)).data
    except (ValueError, TypeError, plan.activos.model.DoesNotExist):
        raise NoEncontrado() from None


class ActivosView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Inventario de activos de información",
                   responses=s.ActivoSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return _paginar(request, self, selectors.activos_de(plan=plan), s.ActivoSerializer)

    @extend_schema(summary="Agregar un activo (RSI o MAE, plan en borrador u observado)",
                   request=s.ActivoEntradaSerializer, responses={201: s.ActivoSerializer})
    @idempotente
    def post(self, request, pk: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)  # 404 before reading input
        datos = _entrada(s.ActivoEntradaSerializer, request)
        activo = services.activo_crear(actor=request.user, plan_id=pk, **datos)
        return Response(_activo(request.user, pk, activo.pk), status=status.HTTP_201_CREATED)


class ActivoView(APIView):
    @extend_schema(summary="Un activo", responses=s.ActivoSerializer)
    def get(self, request, pk: int, activo_id: int):
        return Response(_activo(request.user, pk, activo_id))

    @extend_schema(summary="Editar un activo", request=s.ActivoEntradaSerializer,
                   responses=s.ActivoSerializer)
    def patch(self, request, pk: int, activo_id: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(s.ActivoEntradaSerializer, request, partial=True)
        services.activo_actualizar(actor=request.user, plan_id=pk, activo_id=activo_id, **datos)
        return Response(_activo(request.user, pk, activo_id))

    @extend_schema(summary="Eliminar un activo sin escenarios de riesgo", responses={204: None})
    def delete(self, request, pk: int, activo_id: int):
        services.activo_eliminar(actor=request.user, plan_id=pk, activo_id=activo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _riesgo(usuario, pk: int, riesgo_id: int) -> dict:
    plan = selectors.plan_obtener(usuario=usuario, plan_id=pk)
    try:
        return s.RiesgoSerializer(selectors.riesgos_de(plan=plan).get(pk=riesgo_id)).data
    except (ValueError, TypeError, plan.riesgos.model.DoesNotExist):
        raise NoEncontrado() from None


class RiesgosView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Registro de riesgos del plan", responses=s.RiesgoSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return _paginar(request, self, selectors.riesgos_de(plan=plan), s.RiesgoSerializer)

    @extend_schema(summary="Agregar un escenario de riesgo (el nivel sale de la matriz del "
                           "plan; el residual solo con tratamiento)",
                   request=s.RiesgoEntradaSerializer, responses={201: s.RiesgoSerializer})
    @idempotente
    def post(self, request, pk: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(s.RiesgoEntradaSerializer, request)
        esc = services.riesgo_crear(actor=request.user, plan_id=pk, **datos)
        return Response(_riesgo(request.user, pk, esc.pk), status=status.HTTP_201_CREATED)


class RiesgoView(APIView):
    @extend_schema(summary="Un escenario de riesgo", responses=s.RiesgoSerializer)
    def get(self, request, pk: int, riesgo_id: int):
        return Response(_riesgo(request.user, pk, riesgo_id))

    @extend_schema(summary="Editar un escenario (cambiar lo aceptado retira la aceptación de "
                           "la MAE)", request=s.RiesgoEntradaSerializer,
                   responses=s.RiesgoSerializer)
    def patch(self, request, pk: int, riesgo_id: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(s.RiesgoEntradaSerializer, request, partial=True)
        services.riesgo_actualizar(actor=request.user, plan_id=pk, riesgo_id=riesgo_id, **datos)
        return Response(_riesgo(request.user, pk, riesgo_id))

    @extend_schema(summary="Eliminar un escenario de riesgo", responses={204: None})
    def delete(self, request, pk: int, riesgo_id: int):
        services.riesgo_eliminar(actor=request.user, plan_id=pk, riesgo_id=riesgo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AceptacionView(APIView):
    @extend_schema(summary="La MAE acepta el riesgo residual de uno o más escenarios",
                   request=s.AceptacionSerializer, responses=s.RiesgoSerializer(many=True))
    @idempotente
    def post(self, request, pk: int):
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(s.AceptacionSerializer, request)
        escenarios = services.riesgos_aceptar(actor=request.user, plan_id=pk,
                                              riesgo_ids=datos["riesgos"],
                                              comentario=datos["comentario"])
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        qs = selectors.riesgos_de(plan=plan).filter(pk__in=[e.pk for e in escenarios])
        return Response(s.RiesgoSerializer(qs, many=True).data)


class EvaluacionView(APIView):
    @extend_schema(summary="Mapas de calor (inherente y residual), resumen y faltantes",
                   responses=s.EvaluacionRiesgosSerializer)
    def get(self, request, pk: int):
        return Response(s.EvaluacionRiesgosSerializer(evaluacion_de(request.user, pk)).data)
