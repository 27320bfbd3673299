"""Thin DRF views of indicators and STIX: parse input, call one service or selector."""


import orjson
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.api import Paginacion
from cgii.entidades.selectors import es_personal_cgii
from cgii.entrada import ParserJSON, fecha_parametro
from cgii.errores import ArchivoDemasiadoGrande, ErrorValidacion
from cgii.idempotencia.drf import idempotente

from .. import conf, exportacion, selectors, services, stix
from ..models import EstadoImportacion
from . import serializers as s

TIPO_STIX = "application/stix+json;version=2.1"
_TLP = r"(clear|green|amber|amber\+strict|red|white|tlp:(clear|green|amber|amber\+strict|red|white))"
PATRON_TLPS = rf"^{_TLP}(,{_TLP})*$"
MARGEN_MULTIPART = 64 * 1024


def _verdadero(valor) -> bool:
    return str(valor).strip().lower() in ("1", "true", "si", "sí", "yes", "on")


def _vinculos(usuario, vinculos) -> list[dict]:
    """Sightings as the user may see them: staff the national rows, an entity user only
    their own sightings' values (``vista``)."""
    return s.VinculoSerializer(vinculos, many=True,
                               context={"personal": es_personal_cgii(usuario)}).data


def _vinculos_con_correlacion(usuario, incidente, vinculos) -> list[dict]:
    datos = _vinculos(usuario, vinculos)
    if es_personal_cgii(usuario):
        resumen = selectors.correlacion_resumen(
            usuario=usuario, indicadores=[v.indicador for v in vinculos],
            excluir_incidente_id=incidente.pk)
        for fila, v in zip(datos, vinculos, strict=True):
            fila["correlacion"] = resumen.get(v.indicador_id)
    return datos


class IndicadoresIncidenteView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)
    parser_classes = [ParserJSON]

    @extend_schema(summary="Indicadores del incidente (el personal CGII ve la correlación: "
                           "otros incidentes y entidades donde se vio cada valor)",
                   responses=s.VinculoSerializer(many=True))
    def get(self, request, pk: int):
        incidente, qs = selectors.vinculos_de_incidente(usuario=request.user, incidente_id=pk)
        paginador = Paginacion()
        pagina = paginador.paginate_queryset(qs, request, view=self)
        return paginador.get_paginated_response(
            _vinculos_con_correlacion(request.user, incidente, pagina))

    @extend_schema(
        summary="Agregar un indicador («valor») o pegar varios («valores», uno por línea)",
        request=s.AgregarSerializer,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT, description=(
                       "Agregado: el avistamiento, o con «valores» {agregados, existentes, "
                       "errores, indicadores_nuevos}.")),
                   200: OpenApiResponse(OpenApiTypes.OBJECT, description=(
                       "Nada nuevo: el valor (o todos) ya estaba en el incidente."))},
        examples=[OpenApiExample("Uno", request_only=True, value={
            "valor": "hxxps://sigep-gob-bo[.]com/login", "rol": "distribucion"}),
            OpenApiExample("Lote", request_only=True, value={
                "valores": "203.0.113.7\nmalo[.]example\nd41d8cd98f00b204e9800998ecf8427e"})])
    @idempotente
    def post(self, request, pk: int):
        entrada = s.AgregarSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        d = dict(entrada.validated_data)
        comunes = {"rol": d["rol"], "nota": d.get("nota", ""), "tlp": d.get("tlp"),
                   "confianza": d.get("confianza"), "valido_hasta": d.get("valido_hasta")}
        if "origen" in d:
            comunes["origen"] = d["origen"]
        if "valor" in d:
            vinculo, creado = services.indicador_agregar(
                actor=request.user, incidente_id=pk, valor=d["valor"], tipo=d.get("tipo"),
                **comunes)
            return Response(_vinculos(request.user, [vinculo])[0],
                            status=status.HTTP_201_CREATED if creado else status.HTTP_200_OK)
        r = services.indicadores_pegar(actor=request.user, incidente_id=pk, texto=d["valores"],
                                       tipo=d.get("tipo"), **comunes)
        return Response({
            "agregados": _vinculos(request.user, r.agregados),
            "existentes": _vinculos(request.user, r.existentes),
            "errores": r.errores, "indicadores_nuevos": r.indicadores_nuevos,
        }, status=status.HTTP_201_CREATED if r.agregados else status.HTTP_200_OK)


class VinculoView(APIView):
    @extend_schema(summary="Quitar un indicador del incidente (personal CGII)", request=None,
                   responses={204: None})
    def delete(self, request, pk: int, vinculo_id: int):
        services.indicador_desvincular(actor=request.user, incidente_id=pk,
                                       vinculo_id=vinculo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExtraerView(APIView):
    solo_consulta = True  # POST is the same read as GET
    @extend_schema(summary="Candidatos a indicador en el título y la descripción (no guarda "
                           "nada: confirme con POST …/indicadores/)",
                   responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response({"candidatos": selectors.candidatos_de_incidente(
            usuario=request.user, incidente_id=pk)})

    @extend_schema(summary="Igual que GET", request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        return self.get(request, pk)


class IndicadorView(APIView):
    parser_classes = [ParserJSON]

    def _detalle(self, usuario, indicador) -> dict:
        if es_personal_cgii(usuario):
            datos = s.IndicadorPersonalSerializer(indicador).data
            datos["stix"] = exportacion.objeto_indicador(indicador, completo=True)
            datos["correlacion"] = selectors.correlacion(usuario=usuario, indicador=indicador)
            return datos
        # An entity user: only what their own entity's sightings say (vista).
        propia = selectors.vista_propia(usuario=usuario, indicador=indicador)
        datos = s.IndicadorSerializer(propia).data
        datos["stix"] = exportacion.objeto_indicador(propia, completo=False)
        datos["incidentes"] = selectors.vinculos_visibles(usuario=usuario, indicador=indicador)
        return datos

    @extend_schema(summary="Un indicador: para el personal CGII con su correlación (incidentes "
                           "y entidades, los N más recientes y el total); para una entidad, "
                           "solo sus propios incidentes", responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        indicador = selectors.indicador_obtener(usuario=request.user, indicador_id=pk)
        return Response(self._detalle(request.user, indicador))

    @extend_schema(summary="Editar TLP, confianza, vigencia, tipos o revocar (personal CGII)",
                   request=s.EdicionSerializer, responses=OpenApiTypes.OBJECT)
    def patch(self, request, pk: int):
        selectors.indicador_obtener(usuario=request.user, indicador_id=pk)
        entrada = s.EdicionSerializer(data=request.data, partial=True)
        entrada.is_valid(raise_exception=True)
        indicador = services.indicador_actualizar(actor=request.user, indicador_id=pk,
                                                  **entrada.validated_data)
        return Response(self._detalle(request.user, indicador))


class BuscarView(APIView):
    parser_classes = [ParserJSON]
    solo_consulta = True  # a read-only token may POST a lookup (cgii.entidades.permisos)

    @extend_schema(summary="¿Qué incidentes visibles vieron estos valores? (consulta de IOC)",
                   request=s.BuscarSerializer, responses=OpenApiTypes.OBJECT,
                   examples=[OpenApiExample("Valores", request_only=True, value={
                       "valores": ["203.0.113.7", "hxxp://malo[.]example/x"]})])
    def post(self, request):
        entrada = s.BuscarSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        valores = entrada.validated_data["valores"]
        if isinstance(valores, str):
            valores = [v.strip() for v in valores.splitlines() if v.strip()]
        return Response({"resultados": selectors.buscar_valores(request.user, valores)})


def _parametro(request, nombre: str, multipart: bool):
    valor = request.query_params.get(nombre)
    if valor is None and multipart:
        valor = request.data.get(nombre)
    return valor


class ImportarView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Importar un bundle STIX 2.1 (cuerpo JSON o multipart «archivo»)",
        description="Parámetros (query o campos del formulario): `incidente` (id; obligatorio "
                    "para usuarios de entidad), `solo_validos` (true: importa lo válido y "
                    "reporta el resto; por defecto un bundle con errores no importa nada), "
                    "`tlp` (para objetos sin marca; por defecto el del incidente o amber). "
                    "201: importado; 202: en cola (bundle grande, progreso por websocket y en "
                    "…/stix/importaciones/<id>/); 400: informe de cada objeto con error; "
                    "413: supera el tamaño máximo.",
        parameters=[OpenApiParameter("incidente", int), OpenApiParameter("solo_validos", bool),
                    OpenApiParameter("tlp", str)],
        request={"application/json": OpenApiTypes.OBJECT,
                 "multipart/form-data": OpenApiTypes.OBJECT},
        responses={201: s.ImportacionDetalleSerializer, 202: s.ImportacionSerializer})
    @idempotente
    def post(self, request):
        maximo = conf.valor("INDICADORES_STIX_MAX_BYTES")
        try:
            largo = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            largo = 0
        if largo > maximo + MARGEN_MULTIPART:
            raise ArchivoDemasiadoGrande(extra={"maximo_bytes": maximo})
        multipart = (request.content_type or "").startswith("multipart/")
        if multipart:
            archivo = request.FILES.get("archivo")
            if archivo is None:
                raise ErrorValidacion(extra={"archivo": ["Adjunte el bundle en «archivo»."]})
            if archivo.size > maximo:
                raise ArchivoDemasiadoGrande(extra={"maximo_bytes": maximo})
            contenido, nombre = archivo.read(), archivo.name
        else:
            # Read the raw stream: request.body would refuse more than
            # DATA_UPLOAD_MAX_MEMORY_SIZE, and our own limit applies instead.
            flujo = request.stream
            contenido = flujo.read(maximo + 1) if flujo is not None else b""
            nombre = ""
            if len(contenido) > maximo:
                raise ArchivoDemasiadoGrande(extra={"maximo_bytes": maximo})
        if not contenido:
            raise ErrorValidacion(extra={"archivo": ["El bundle está vacío."]})
        incidente = _parametro(request, "incidente", multipart)
        try:
            incidente_id = int(incidente) if incidente not in (None, "") else None
        except ValueError:
            raise ErrorValidacion(extra={"incidente": ["Debe ser un número entero."]}) from None
        importacion = services.stix_importar(
            actor=request.user, contenido=contenido, nombre_archivo=nombre,
            incidente_id=incidente_id,
            solo_validos=_verdadero(_parametro(request, "solo_validos", multipart) or ""),
            tlp=_parametro(request, "tlp", multipart) or None)
        if importacion.estado == EstadoImportacion.COMPLETADA:
            return Response(s.ImportacionDetalleSerializer(importacion).data,
                            status=status.HTTP_201_CREATED)
        return Response(s.ImportacionSerializer(importacion).data,
                        status=status.HTTP_202_ACCEPTED)


class ImportacionesView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Importaciones STIX (propias; el personal CGII ve todas)",
                   responses=s.ImportacionSerializer(many=True))
    def get(self, request):
        qs = selectors.importaciones_visibles(request.user)
        paginador = Paginacion()
        pagina = paginador.paginate_queryset(qs, request, view=self)
        return paginador.get_paginated_response(s.ImportacionSerializer(pagina, many=True).data)


class ImportacionView(APIView):
    @extend_schema(summary="Estado, progreso e informe de una importación",
                   responses=s.ImportacionDetalleSerializer)
    def get(self, request, pk: int):
        importacion = selectors.importacion_obtener(usuario=request.user, importacion_id=pk)
        return Response(s.ImportacionDetalleSerializer(importacion).data)


def _respuesta_stix(bundle: dict, nombre: str, descargar: bool) -> HttpResponse:
    respuesta = HttpResponse(orjson.dumps(bundle), content_type=TIPO_STIX)
    if descargar:
        respuesta["Content-Disposition"] = f'attachment; filename="{nombre}"'
    return respuesta


class ExportarIncidenteView(APIView):
    @extend_schema(summary="El incidente como bundle STIX 2.1 (validado con stix2-validator)",
                   parameters=[OpenApiParameter("descargar", bool)],
                   responses={(200, TIPO_STIX): OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        bundle = exportacion.bundle_incidente(usuario=request.user, incidente_id=pk)
        codigo = next((o["external_references"][0]["external_id"] for o in bundle["objects"]
                       if o["type"] == "incident"), str(pk))
        return _respuesta_stix(bundle, f"{codigo}.stix.json",
                               _verdadero(request.query_params.get("descargar", "")))


class FeedView(APIView):
    @extend_schema(
        summary="Feed nacional de indicadores (bundle STIX 2.1) por TLP y fecha",
        description="Entidades: TLP:CLEAR y GREEN nacionales, y AMBER/RED solo de sus propios "
                    "incidentes. Sin revocados, vencidos ni valores de listas de advertencia. "
                    "Paginado por (modificado, id): si hay más, la cabecera `X-CGII-Siguiente` "
                    "trae el valor para `despues`.",
        parameters=[OpenApiParameter("tlp", {"type": "string", "pattern": PATRON_TLPS},
                                     description="clear,green,… (por defecto clear,green)"),
                    OpenApiParameter("desde", OpenApiTypes.DATETIME),
                    OpenApiParameter("hasta", OpenApiTypes.DATETIME),
                    OpenApiParameter("limite", {"type": "integer", "minimum": 1,
                                                "maximum": conf.DEFECTOS[
                                                    "INDICADORES_FEED_LIMITE_MAX"]},
                                     description="Objetos por página (se recorta al máximo)."),
                    OpenApiParameter("despues", str, description=(
                        "Marcador opaco de la cabecera X-CGII-Siguiente de la página anterior.")),
                    OpenApiParameter("descargar", bool)],
        responses={(200, TIPO_STIX): OpenApiTypes.OBJECT})
    def get(self, request):
        q = request.query_params
        tlps = set()
        for parte in (q.get("tlp") or "clear,green").split(","):
            codigo = stix.tlp_codigo(parte)
            if codigo is None:
                raise ErrorValidacion(extra={"tlp": [f"TLP no válido: {parte}"]})
            tlps.add(codigo)
        try:
            limite = int(q["limite"]) if q.get("limite") else None
        except ValueError:
            raise ErrorValidacion(extra={"limite": ["Debe ser un número entero."]}) from None
        if limite is not None and limite < 1:
            raise ErrorValidacion(extra={"limite": ["Debe ser positivo."]})
        despues = selectors.Cursor.desde_token(q["despues"]) if q.get("despues") else None
        bundle, siguiente = exportacion.bundle_feed(
            usuario=request.user, tlps=tlps, desde=fecha_parametro(q.get("desde"), "desde"),
            hasta=fecha_parametro(q.get("hasta"), "hasta"), despues=despues, limite=limite)
        respuesta = _respuesta_stix(bundle, "cgii-indicadores.stix.json",
                                    _verdadero(q.get("descargar", "")))
        if siguiente is not None:
            respuesta["X-CGII-Siguiente"] = siguiente.token()
        return respuesta
