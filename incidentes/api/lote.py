"""``POST /api/v1/incidentes/lote/``: one bulk action over selected incidents (issue 18),
or over every incident matching a list filter. Answers one result per row."""

from types import SimpleNamespace

from django.http import QueryDict
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.errores import ErrorValidacion
from cgii.idempotencia.drf import idempotente

from .. import selectors
from ..services.comun import exigir_gestion
from ..services.lote import ACCIONES_LOTE, MAX_LOTE, incidentes_en_lote
from ..services.triaje import PRIORIDADES


class LoteEntradaSerializer(serializers.Serializer):
    accion = serializers.ChoiceField(choices=[(k, str(v)) for k, v in ACCIONES_LOTE.items()])
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                max_length=MAX_LOTE, help_text="Ids de los incidentes elegidos.")
    filtro = serializers.CharField(
        required=False, allow_blank=True, max_length=2000,
        help_text="En lugar de ids: todos los incidentes que coinciden con este filtro, con los "
                  "parámetros de GET /api/v1/incidentes/ (p. ej. «abiertos=1&prioridad=P3»).")
    analista_id = serializers.IntegerField(required=False, allow_null=True,
                                           help_text="Para «asignar»; vacío = nadie.")
    prioridad = serializers.ChoiceField(choices=PRIORIDADES, required=False)
    etiqueta = serializers.CharField(required=False, max_length=40)
    maestro = serializers.CharField(required=False, max_length=30,
                                    help_text="Código o id del maestro, para «duplicado».")
    motivo = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


class LoteFilaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    codigo = serializers.CharField()
    ok = serializers.BooleanField()
    mensaje = serializers.CharField()


class LoteRespuestaSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    hechos = serializers.IntegerField()
    rechazados = serializers.IntegerField()
    resultados = LoteFilaSerializer(many=True)


def ids_del_filtro(usuario, consulta: str) -> list[int]:
    """Ids of the incidents matching a list filter (the API list's parameters), capped."""
    from .views import _filtros  # the list endpoint's own parser: one meaning per parameter

    filtros = _filtros(SimpleNamespace(query_params=QueryDict(consulta)))
    ids = list(selectors.incidentes_lista(usuario=usuario, filtros=filtros)
               .values_list("pk", flat=True)[:MAX_LOTE + 1])
    if len(ids) > MAX_LOTE:
        raise ErrorValidacion(extra={"filtro": [
            f"El filtro abarca más de {MAX_LOTE} incidentes; acótelo."]})
    return ids


class LoteView(APIView):
    @extend_schema(
        summary="Acción en lote: tomar, asignar, prioridad, etiqueta, duplicado, falso positivo",
        description="Cada incidente pasa por el mismo servicio que su acción individual "
                    "(reglas, auditoría, eventos), en su propio punto de guardado: la respuesta "
                    "dice por fila si se hizo o por qué se rechazó. Un id que el usuario no ve "
                    "responde «No encontrado». Las entidades no pueden usarla (403).",
        request=LoteEntradaSerializer, responses=LoteRespuestaSerializer,
        examples=[OpenApiExample("Prioridad a tres", request_only=True, value={
            "accion": "prioridad", "ids": [11, 12, 13], "prioridad": "P2",
            "motivo": "Campaña activa contra varias entidades."})],
    )
    @idempotente
    def post(self, request):
        exigir_gestion(request.user)
        entrada = LoteEntradaSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        d = dict(entrada.validated_data)
        ids = d.pop("ids", None)
        filtro = d.pop("filtro", None)
        if ids is None and filtro is None:
            raise ErrorValidacion(extra={"ids": ["Indique «ids» o «filtro»."]})
        if ids is None:
            ids = ids_del_filtro(request.user, filtro)
        resultados = incidentes_en_lote(actor=request.user, ids=ids, **d)
        hechos = sum(r.ok for r in resultados)
        return Response({"total": len(resultados), "hechos": hechos,
                         "rechazados": len(resultados) - hechos,
                         "resultados": [r.como_dict() for r in resultados]})
