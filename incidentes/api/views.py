"""Thin DRF views: parse input, call one service or selector, serialise."""

from functools import partial

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from cgii import archivos, keyset
from cgii.api import Paginacion, PaginacionCursor, RenderizadorJSONRapido
from cgii.entidades.selectors import entidad_visible, ids_entidades_de
from cgii.entrada import ParserJSON, dia_parametro
from cgii.errores import ArchivoDemasiadoGrande, ErrorValidacion, NoEncontrado
from cgii.idempotencia.drf import idempotente

from .. import duplicados, selectors, services, sla
from ..services.reporte import incidente_reportar_completo
from . import lista
from . import serializers as s

MARGEN_MULTIPART = 64 * 1024


def _rechazar_si_excede(request, archivos_max: int = 1) -> None:
    """Refuse an oversized body from its Content-Length before Django spools it to disk."""
    try:
        largo = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        largo = 0
    limite = settings.EVIDENCIA_TAMANO_MAXIMO * archivos_max + MARGEN_MULTIPART
    if largo > limite:
        raise ArchivoDemasiadoGrande(extra={"maximo_bytes": settings.EVIDENCIA_TAMANO_MAXIMO})


def _filtros(request) -> selectors.Filtros:
    q = request.query_params

    def lista(nombre):
        valores = [v for item in q.getlist(nombre) for v in item.split(",") if v]
        return valores or None

    def entero(nombre):
        valor = q.get(nombre)
        if valor in (None, ""):
            return None
        try:
            return int(valor)
        except ValueError:
            raise ErrorValidacion(extra={nombre: ["Debe ser un número entero."]}) from None

    return selectors.Filtros(
        estado=lista("estado"), prioridad=lista("prioridad"), tipo=q.get("tipo"),
        clase=q.get("clase"), entidad=entero("entidad"), analista=entero("analista"),
        sin_asignar=q.get("sin_asignar") in ("1", "true"), mios=q.get("mios") in ("1", "true"),
        estado_sla=q.get("estado_sla"), abiertos=q.get("abiertos") in ("1", "true"),
        # Checked here (a calendar-impossible date is a 400 on its parameter); the selector
        # reads the same text.
        desde=dia_parametro(q.get("desde"), "desde") and q.get("desde"),
        hasta=dia_parametro(q.get("hasta"), "hasta") and q.get("hasta"), texto=q.get("q"),
        orden=q.get("orden", "urgencia"),
    )


EJEMPLO_REPORTE = OpenApiExample(
    "Phishing a funcionarios",
    value={
        "titulo": "Correos de phishing suplantando al SIGEP",
        "descripcion": "Desde las 08:10 llegan correos que piden credenciales del SIGEP "
                       "con enlace a sigep-gob-bo.com.",
        "detectado_en": "2026-11-24T08:30:00-04:00",
        "activos_afectados": "Correo institucional",
        "tlp": "amber",
    },
    request_only=True,
)


def _entero_positivo(request, nombre: str) -> int | None:
    valor = request.query_params.get(nombre)
    if valor in (None, ""):
        return None
    if not valor.isdigit() or int(valor) < 1:
        raise ErrorValidacion(extra={nombre: ["Debe ser un número entero positivo."]})
    return int(valor)


def _pagina_lista(request) -> dict:
    """The keyset page (docs/listas.md): ``cursor`` from next/previous, or the old ``page``
    as an OFFSET page up to LIMITE_CUENTA rows; the envelope keeps next/previous links."""
    p = PaginacionCursor
    tamano = min(_entero_positivo(request, "page_size") or p.page_size, p.max_page_size)
    cursor = request.query_params.get("cursor") or None
    numero = None if cursor else _entero_positivo(request, "page")
    desplazamiento = ((numero or 1) - 1) * tamano
    if desplazamiento > p.LIMITE_CUENTA:
        raise ErrorValidacion(extra={"page": [
            f"Las páginas numeradas llegan hasta la fila {p.LIMITE_CUENTA:,}; siga el "
            "enlace «next» (cursor) para ir más allá."]})
    try:
        pagina = selectors.incidentes_pagina(
            usuario=request.user, filtros=_filtros(request), cursor=cursor, tamano=tamano,
            desplazamiento=desplazamiento, columnas=lista.COLUMNAS)
    except keyset.CursorInvalido:
        raise ErrorValidacion(extra={"cursor": [
            "Cursor no válido: use los enlaces «next» y «previous» tal como la API los "
            "entrega, con el mismo «orden»."]}) from None
    url = remove_query_param(request.build_absolute_uri(), "page")

    def enlace(valor):
        return replace_query_param(url, "cursor", valor) if valor else None

    anterior = enlace(pagina.anterior)
    if numero and numero > 1:
        anterior = replace_query_param(remove_query_param(url, "cursor"), "page", numero - 1)
    return {"count": pagina.total, "count_exacto": pagina.exacto,
            "next": enlace(pagina.siguiente), "previous": anterior,
            "results": lista.filas_api(pagina.filas)}


class IncidentesView(APIView):
    pagination_class = PaginacionCursor  # documents the page envelope (cgii.esquema)
    parser_classes = [ParserJSON, MultiPartParser, FormParser]
    renderer_classes = [RenderizadorJSONRapido, BrowsableAPIRenderer]

    @extend_schema(
        summary="Lista de incidentes visibles, ordenada por urgencia de SLA",
        description="Paginada por cursor: siga los enlaces «next» y «previous» (el cursor "
                    "va firmado y vale para el mismo «orden»). «count» cuenta hasta 10.000 "
                    "coincidencias; con «count_exacto» falso hay más. «page» se conserva "
                    "para páginas numeradas poco profundas.",
        parameters=[
            *[OpenApiParameter(n, str, description=d) for n, d in [
                ("estado", "estados separados por coma"),
                ("prioridad", "P1..P4, separados por coma"), ("tipo", "código de tipo"),
                ("clase", "código de clase"), ("q", "código o texto del título")]],
            *[OpenApiParameter(n, int, description="id") for n in ("entidad", "analista")],
            *[OpenApiParameter(n, bool) for n in ("sin_asignar", "mios", "abiertos")],
            OpenApiParameter("estado_sla", str, enum=["ok", "advertencia", "incumplido"]),
            OpenApiParameter("desde", OpenApiTypes.DATE), OpenApiParameter("hasta", OpenApiTypes.DATE),
            OpenApiParameter("orden", str, enum=["urgencia", "recientes", "antiguos", "prioridad"])],
        responses=s.IncidenteListaSerializer(many=True),
    )
    def get(self, request):
        return Response(_pagina_lista(request))

    @extend_schema(summary="Reportar un incidente (JSON o multipart con evidencias)",
                   request={"application/json": s.ReporteDocSerializer,
                            "multipart/form-data": s.ReporteDocSerializer},
                   responses={201: s.IncidenteDetalleSerializer}, examples=[EJEMPLO_REPORTE])
    @idempotente(antes=partial(_rechazar_si_excede, archivos_max=10))
    def post(self, request):
        _rechazar_si_excede(request, archivos_max=10)
        entrada = s.ReporteSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        datos = dict(entrada.validated_data)
        entidad_id = datos.pop("entidad", None)
        if entidad_id is None:
            propias = sorted(ids_entidades_de(request.user))
            if len(propias) != 1:
                raise ErrorValidacion(extra={"entidad": ["Indique la entidad."]})
            entidad_id = propias[0]
        entidad = entidad_visible(request.user, entidad_id)
        if entidad is None:
            raise NoEncontrado("Entidad no encontrada.")
        adjuntos = tuple(datos.pop("evidencias", []) or request.FILES.getlist("evidencias"))
        # Category and indicator rows (issue 18) go through the same service as the form.
        incidente = incidente_reportar_completo(actor=request.user, entidad=entidad,
                                                adjuntos=adjuntos, **datos)
        # The service's instance already holds everything the detail serializer reads
        # (entity, reporter; no type or analyst yet): no second read on the intake path.
        return Response(s.IncidenteDetalleSerializer(incidente).data,
                        status=status.HTTP_201_CREATED)


def detalle_completo(usuario, incidente_id: int) -> dict:
    incidente = selectors.incidente_detalle(usuario=usuario, incidente_id=incidente_id)
    duplicados.preparar_detalle(incidente, usuario=usuario)  # suggestion + its duplicates
    datos = s.IncidenteDetalleSerializer(incidente).data
    datos["sla"] = s.RelojSerializer(
        sla.figuras_del_incidente(incidente, ahora=timezone.now()), many=True).data
    datos["transiciones"] = s.TransicionOpcionSerializer(
        selectors.transiciones_para(usuario=usuario, incidente=incidente), many=True).data
    datos["tareas"] = s.TareaSerializer(
        selectors.tareas_visibles(usuario=usuario, incidente=incidente), many=True).data
    datos["timeline"] = s.EntradaSerializer(
        selectors.timeline_de(usuario=usuario, incidente=incidente), many=True).data
    datos["evidencias"] = s.EvidenciaSerializer(
        selectors.evidencias_lista(usuario=usuario, incidente=incidente), many=True).data
    return datos


class IncidenteView(APIView):
    @extend_schema(summary="Detalle con SLA, transiciones disponibles, tareas y timeline",
                   responses=s.IncidenteDetalleSerializer)
    def get(self, request, pk: int):
        return Response(detalle_completo(request.user, pk))


class _Accion(APIView):
    """POST an action on one incident; answers the refreshed detail."""

    entrada = None

    def ejecutar(self, request, pk, datos):
        raise NotImplementedError

    def post(self, request, pk: int):
        entrada = self.entrada(data=request.data)
        entrada.is_valid(raise_exception=True)
        self.ejecutar(request, pk, dict(entrada.validated_data))
        return Response(detalle_completo(request.user, pk))


class TransicionView(_Accion):
    entrada = s.TransicionSerializer

    @extend_schema(summary="Ejecutar una transición (409 si no procede, con el motivo)",
                   request=s.TransicionSerializer, responses=s.IncidenteDetalleSerializer,
                   examples=[OpenApiExample("Pasar a análisis", request_only=True, value={
                       "transicion": "iniciar_analisis", "comentario": "Triaje completo."}),
                       OpenApiExample("Cerrar", request_only=True, value={
                           "transicion": "cerrar", "resumen_cierre": "Se bloqueó el dominio.",
                           "lecciones_aprendidas": "Activar DMARC en p=reject.",
                           "controles_fallidos": ["5.7", "8.23"]})])
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, datos):
        services.incidente_transicionar(
            actor=request.user, incidente_id=pk, transicion=datos.pop("transicion"),
            comentario=datos.pop("comentario", ""), datos=datos)


class FusionView(_Accion):
    entrada = s.FusionSerializer

    @extend_schema(summary="Fusionar en el maestro (mensajes, evidencias, indicadores y pasos)",
                   description="Marca el incidente como duplicado del maestro (si no lo estaba) "
                   "y lleva al maestro sus mensajes, evidencias, indicadores y pasos hechos, "
                   "cada uno con su origen. Entre entidades distintas exige "
                   "«confirmar_otra_entidad» y cada entidad sigue viendo solo su parte. "
                   "Responde el detalle del duplicado.",
                   request=s.FusionSerializer, responses=s.IncidenteDetalleSerializer,
                   examples=[OpenApiExample("Fusionar", request_only=True, value={
                       "maestro": "CGII-2026-00012"})])
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_fusionar(actor=request.user, incidente_id=pk, maestro_id=d["maestro"],
                                    confirmar_otra_entidad=d["confirmar_otra_entidad"],
                                    comentario=d["comentario"])


class ClasificacionView(_Accion):
    entrada = s.ClasificacionSerializer

    @extend_schema(summary="Clasificar (tipo, impacto, urgencia → prioridad y protocolo)",
                   request=s.ClasificacionSerializer, responses=s.IncidenteDetalleSerializer,
                   examples=[OpenApiExample("Phishing", request_only=True, value={
                       "tipo": "phishing", "impacto": 3, "urgencia": 3})])
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_clasificar(
            actor=request.user, incidente_id=pk, tipo_codigo=d["tipo"], impacto=int(d["impacto"]),
            urgencia=int(d["urgencia"]), prioridad=d.get("prioridad"),
            motivo_prioridad=d.get("motivo_prioridad", ""))


class AsignacionView(_Accion):
    entrada = s.AsignacionSerializer

    @extend_schema(summary="Asignar (coordinador) o tomar (analista)",
                   request=s.AsignacionSerializer, responses=s.IncidenteDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_asignar(actor=request.user, incidente_id=pk,
                                   analista_id=d["analista_id"])


class ComentarioView(_Accion):
    entrada = s.ComentarioSerializer

    @extend_schema(summary="Comentario interno o mensaje compartido con la entidad",
                   request=s.ComentarioSerializer, responses=s.IncidenteDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_comentar(actor=request.user, incidente_id=pk, texto=d["texto"],
                                    compartido=d["compartido"])


class SolicitudView(_Accion):
    entrada = s.SolicitudSerializer

    @extend_schema(summary="Solicitar información a la entidad (pausa el SLA)",
                   request=s.SolicitudSerializer, responses=s.IncidenteDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_solicitar_info(actor=request.user, incidente_id=pk,
                                          pregunta=d["pregunta"])


class RespuestaView(_Accion):
    entrada = s.RespuestaSerializer

    @extend_schema(summary="La entidad responde a la solicitud (reanuda el SLA)",
                   request=s.RespuestaSerializer, responses=s.IncidenteDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_responder(actor=request.user, incidente_id=pk,
                                     respuesta=d["respuesta"])


class ConfirmacionView(_Accion):
    entrada = s.ConfirmacionSerializer

    @extend_schema(summary="La entidad confirma la resolución (comentario opcional). Si no está "
                           "resuelto: transición «objetar_resolucion» con el motivo en "
                           "«comentario»", request=s.ConfirmacionSerializer,
                   responses=s.IncidenteDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        return super().post(request, pk)

    def ejecutar(self, request, pk, d):
        services.incidente_confirmar_resolucion(actor=request.user, incidente_id=pk,
                                                comentario=d["comentario"])


class TareaView(APIView):
    @extend_schema(summary="Actualizar una tarea del protocolo",
                   request=s.TareaActualizarSerializer, responses=s.TareaSerializer)
    def patch(self, request, pk: int, tarea_id: int):
        entrada = s.TareaActualizarSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        tarea = services.tarea_actualizar(actor=request.user, incidente_id=pk, tarea_id=tarea_id,
                                          **entrada.validated_data)
        return Response(s.TareaSerializer(tarea).data)


class TimelineView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Timeline visible para el usuario",
                   responses=s.EntradaSerializer(many=True))
    def get(self, request, pk: int):
        incidente = selectors.incidente_obtener(usuario=request.user, incidente_id=pk)
        qs = selectors.timeline_de(usuario=request.user, incidente=incidente)
        paginador = Paginacion()
        pagina = paginador.paginate_queryset(qs, request, view=self)
        return paginador.get_paginated_response(s.EntradaSerializer(pagina, many=True).data)


class EvidenciasView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Evidencias visibles", responses=s.EvidenciaSerializer(many=True))
    def get(self, request, pk: int):
        incidente = selectors.incidente_obtener(usuario=request.user, incidente_id=pk)
        return Response(s.EvidenciaSerializer(
            selectors.evidencias_de(usuario=request.user, incidente=incidente), many=True).data)

    @extend_schema(summary="Subir evidencia (tamaño máximo y tipo verificados por contenido)",
                   request={"multipart/form-data": s.EvidenciaSubirSerializer},
                   responses={201: s.EvidenciaSerializer})
    @idempotente(antes=_rechazar_si_excede)
    def post(self, request, pk: int):
        _rechazar_si_excede(request)
        selectors.incidente_obtener(usuario=request.user, incidente_id=pk)
        entrada = s.EvidenciaSubirSerializer(data=request.data)
        entrada.is_valid(raise_exception=True)
        evidencia = services.evidencia_subir(actor=request.user, incidente_id=pk,
                                             **entrada.validated_data)
        return Response(s.EvidenciaSerializer(evidencia).data, status=status.HTTP_201_CREATED)


class EvidenciaDescargaView(APIView):
    @extend_schema(summary="Descargar evidencia (adjunto)", responses={(200, "*/*"): bytes})
    def get(self, request, pk: int, evidencia_id: int):
        ev = selectors.evidencia_obtener(usuario=request.user, incidente_id=pk,
                                         evidencia_id=evidencia_id)
        return archivos.respuesta_descarga(ruta=ev.ruta, nombre=ev.nombre, tipo_mime=ev.tipo_mime)



