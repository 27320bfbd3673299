"""XLSX exchange: the blank template, a plan exported in the same format, and the import of
a filled template (400 with every row's error and nothing stored, or what changed)."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.idempotencia.drf import idempotente

from .. import exportacion, selectors, services
from .views import _entrada, _rechazar_si_excede

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def respuesta_xlsx(nombre: str, contenido: bytes) -> HttpResponse:
    respuesta = HttpResponse(contenido, content_type=XLSX)
    respuesta["Content-Disposition"] = f'attachment; filename="{nombre}"'
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta


class ImportacionSerializer(serializers.Serializer):
    archivo = serializers.FileField(help_text="La plantilla PISI llena (XLSX).")


class ResumenImportacionSerializer(serializers.Serializer):
    activos = serializers.IntegerField()
    riesgos = serializers.IntegerField()
    controles = serializers.IntegerField(help_text="Filas de la SoA que cambiaron.")
    actividades = serializers.IntegerField()
    eliminados = serializers.IntegerField()


class PlantillaView(APIView):
    @extend_schema(summary="Plantilla XLSX para importar un PISI (activos, riesgos, SoA, "
                           "cronograma)", responses={(200, XLSX): bytes})
    def get(self, request):
        return respuesta_xlsx("plantilla-PISI.xlsx", exportacion.plantilla())


class ExportacionView(APIView):
    @extend_schema(summary="El plan en el formato de la plantilla (para editarlo e importarlo)",
                   responses={(200, XLSX): bytes})
    def get(self, request, pk: int):
        nombre, contenido = exportacion.libro_del_plan(usuario=request.user, plan_id=pk)
        return respuesta_xlsx(nombre, contenido)


class ImportacionView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Importar la plantilla llena (RSI o MAE, plan en borrador u "
                           "observado). Con errores: 400, extra.filas = [{hoja, fila, "
                           "columna, mensaje}] y no se guarda nada.",
                   request={"multipart/form-data": ImportacionSerializer},
                   responses=ResumenImportacionSerializer)
    @idempotente(antes=_rechazar_si_excede)
    def post(self, request, pk: int):
        _rechazar_si_excede(request)
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(ImportacionSerializer, request)
        resumen = services.plan_importar_xlsx(actor=request.user, plan_id=pk,
                                              archivo=datos["archivo"])
        return Response(ResumenImportacionSerializer(resumen).data)
