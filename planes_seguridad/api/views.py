"""Thin DRF views: parse input, call one service or selector, serialise. Every route under
``planes/<pk>/`` first resolves the plan through the tenant-scoped selector (404 otherwise)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii import archivos
from cgii.api import Paginacion
from cgii.entidades.selectors import ids_entidades_de
from cgii.entrada import ParserJSON
from cgii.errores import ArchivoDemasiadoGrande, ErrorValidacion, NoEncontrado
from cgii.idempotencia.drf import idempotente

from .. import selectors, services
from . import serializers as s

MARGEN_MULTIPART = 64 * 1024


def _rechazar_si_excede(request) -> None:
    """Refuse an oversized body from its Content-Length before Django spools it to disk."""
    try:
        largo = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        largo = 0
    if largo > settings.EVIDENCIA_TAMANO_MAXIMO + MARGEN_MULTIPART:
        raise ArchivoDemasiadoGrande(extra={"maximo_bytes": settings.EVIDENCIA_TAMANO_MAXIMO})


PARAMETRO_TIPO_DOCUMENTO = OpenApiParameter("tipo", str, OpenApiParameter.PATH,
                                            enum=["politica", "resolucion"])


def _paginar(request, view, qs, serializer):
    paginador = Paginacion()
    pagina = paginador.paginate_queryset(qs, request, view=view)
    return paginador.get_paginated_response(serializer(pagina, many=True).data)


def _entrada(serializer, request, **kw) -> dict:
    entrada = serializer(data=request.data, **kw)
    entrada.is_valid(raise_exception=True)
    return dict(entrada.validated_data)


def _entero(request, nombre):
    valor = request.query_params.get(nombre)
    if valor in (None, ""):
        return None
    try:
        return int(valor)
    except ValueError:
        raise ErrorValidacion(extra={nombre: ["Debe ser un número entero."]}) from None


def _booleano(request, nombre):
    valor = request.query_params.get(nombre)
    if valor in (None, ""):
        return None
    return valor.lower() in ("1", "true", "si", "sí")


def detalle_plan(usuario, plan_id: int) -> dict:
    plan = selectors.plan_obtener(usuario=usuario, plan_id=plan_id)
    datos = s.PlanDetalleSerializer(plan).data
    datos["transiciones"] = s.TransicionOpcionPlanSerializer(
        selectors.transiciones_para(usuario=usuario, plan=plan), many=True).data
    datos["plazos"] = s.PlazoSerializer(selectors.plazos_de(plan=plan), many=True).data
    datos["soa_resumen"] = selectors.soa_resumen(plan=plan)
    return datos


# ---- catalogs and public verification ---------------------------------------------------

class CatalogosView(APIView):
    @extend_schema(summary="Catálogos de controles vigentes", responses=s.CatalogoSerializer(many=True))
    def get(self, request):
        return Response(s.CatalogoSerializer(selectors.catalogos_vigentes(), many=True).data)


class ControlesView(APIView):
    @extend_schema(summary="Controles de un catálogo (numeración y títulos abreviados)",
                   responses=s.ControlSerializer(many=True))
    def get(self, request, catalogo_id: int):
        catalogo = selectors.catalogo_obtener(catalogo_id)
        return Response(s.ControlSerializer(selectors.controles_de(catalogo), many=True).data)


class VerificacionView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Verificación pública de un código PISI (sin autenticación)",
                   responses=s.VerificacionSerializer, auth=[])
    def get(self, request, codigo: str):
        datos = selectors.verificacion_publica(codigo)
        if datos is None:
            raise NoEncontrado("Código de verificación desconocido.")
        return Response(s.VerificacionSerializer(datos).data)


# ---- plans --------------------------------------------------------------------------------

class PlanesView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(
        summary="Planes visibles, por el vencimiento de su plazo abierto más cercano",
        parameters=[OpenApiParameter("estado", str, description="estados separados por coma"),
                    OpenApiParameter("entidad", int, description="id"),
                    OpenApiParameter("gestion", int, description="año"),
                    OpenApiParameter("catalogo", str, enum=[c for c, _e in s.CATALOGOS]),
                    OpenApiParameter("en_curso", bool),
                    OpenApiParameter("q", str,
                                     description="sigla, nombre o código de verificación")],
        responses=s.PlanListaSerializer(many=True))
    def get(self, request):
        q = request.query_params
        estados = [e for item in q.getlist("estado") for e in item.split(",") if e] or None
        filtros = selectors.Filtros(estado=estados, entidad=_entero(request, "entidad"),
                                    gestion=_entero(request, "gestion"),
                                    catalogo=q.get("catalogo"), texto=q.get("q"),
                                    en_curso=bool(_booleano(request, "en_curso")))
        qs = selectors.planes_lista(usuario=request.user, filtros=filtros)
        return _paginar(request, self, qs, s.PlanListaSerializer)

    @extend_schema(summary="Crear el plan de una gestión (RSI o MAE de la entidad)",
                   request=s.PlanCrearDocSerializer, responses={201: s.PlanDetalleSerializer})
    @idempotente
    def post(self, request):
        datos = _entrada(s.PlanCrearSerializer, request)
        entidad_id = datos.pop("entidad", None)
        if entidad_id is None:
            propias = sorted(ids_entidades_de(request.user))
            if len(propias) != 1:
                raise ErrorValidacion(extra={"entidad": ["Indique la entidad."]})
            entidad_id = propias[0]
        plan = services.plan_crear(actor=request.user, entidad_id=entidad_id, **datos)
        return Response(detalle_plan(request.user, plan.pk), status=status.HTTP_201_CREATED)


class PlanView(APIView):
    @extend_schema(summary="Detalle: transiciones disponibles, plazos y resumen de la SoA",
                   responses=s.PlanDetalleSerializer)
    def get(self, request, pk: int):
        return Response(detalle_plan(request.user, pk))

    @extend_schema(summary="Editar datos del plan", request=s.PlanEditarSerializer,
                   responses=s.PlanDetalleSerializer)
    def patch(self, request, pk: int):
        datos = _entrada(s.PlanEditarSerializer, request, partial=True)
        services.plan_actualizar(actor=request.user, plan_id=pk, **datos)
        return Response(detalle_plan(request.user, pk))


class TransicionView(APIView):
    parser_classes = [ParserJSON, MultiPartParser, FormParser]

    @extend_schema(summary="Ejecutar una transición (409 con los motivos si no procede)",
                   request={"application/json": s.TransicionPlanSerializer,
                            "multipart/form-data": s.TransicionPlanSerializer},
                   responses=s.PlanDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        datos = _entrada(s.TransicionPlanSerializer, request)
        services.plan_transicionar(actor=request.user, plan_id=pk,
                                   transicion=datos.pop("transicion"),
                                   comentario=datos.pop("comentario", ""),
                                   resolucion=datos.pop("archivo", None), datos=datos)
        return Response(detalle_plan(request.user, pk))


class NuevaVersionView(APIView):
    @extend_schema(summary="Crear una nueva versión de un plan vigente",
                   request=s.ComentarioPlanSerializer, responses={201: s.PlanDetalleSerializer})
    @idempotente
    def post(self, request, pk: int):
        datos = _entrada(s.ComentarioPlanSerializer, request)
        nuevo = services.plan_nueva_version(actor=request.user, plan_id=pk,
                                            comentario=datos["comentario"])
        return Response(detalle_plan(request.user, nuevo.pk), status=status.HTTP_201_CREATED)


class MigrarCatalogoView(APIView):
    @extend_schema(summary="Migrar la SoA a otro catálogo usando el mapeo",
                   request=s.MigrarCatalogoSerializer, responses=s.PlanDetalleSerializer)
    @idempotente
    def post(self, request, pk: int):
        datos = _entrada(s.MigrarCatalogoSerializer, request)
        services.plan_migrar_catalogo(actor=request.user, plan_id=pk, catalogo=datos["catalogo"])
        return Response(detalle_plan(request.user, pk))


class DocumentoView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Subir la política (politica) o la resolución de la MAE (resolucion)",
                   parameters=[PARAMETRO_TIPO_DOCUMENTO],
                   request={"multipart/form-data": s.DocumentoSubirSerializer},
                   responses=s.PlanDetalleSerializer)
    @idempotente(antes=_rechazar_si_excede)
    def post(self, request, pk: int, tipo: str):
        _rechazar_si_excede(request)
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(s.DocumentoSubirSerializer, request)
        services.plan_documento_subir(actor=request.user, plan_id=pk, tipo=tipo,
                                      archivo=datos["archivo"])
        return Response(detalle_plan(request.user, pk))


class DocumentoDescargaView(APIView):
    @extend_schema(summary="Descargar la política o la resolución (adjunto)",
                   parameters=[PARAMETRO_TIPO_DOCUMENTO],
                   responses={(200, "*/*"): bytes})
    def get(self, request, pk: int, tipo: str):
        doc = selectors.documento_plan(usuario=request.user, plan_id=pk, tipo=tipo)
        return archivos.respuesta_descarga(**doc)


class HistorialView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Historial del plan", responses=s.EntradaPlanSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return _paginar(request, self, selectors.historial_de(usuario=request.user, plan=plan),
                        s.EntradaPlanSerializer)


class PlazosView(APIView):
    @extend_schema(summary="Plazos del plan con días hábiles restantes",
                   responses=s.PlazoSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return Response(s.PlazoSerializer(selectors.plazos_de(plan=plan), many=True).data)


class TendenciaView(APIView):
    @extend_schema(summary="Tendencia de cumplimiento (solo de instantáneas congeladas)",
                   responses=s.TendenciaSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return Response(s.TendenciaSerializer(selectors.tendencia(plan), many=True).data)


# ---- Statement of Applicability -------------------------------------------------------------

class SoAView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(
        summary="Declaración de aplicabilidad (filtrable)",
        parameters=[OpenApiParameter(n, str, description=d) for n, d in [
            ("dominio", "número de dominio o tema"), ("estado", "estado de implementación"),
            ("aplica", "true | false"), ("pendientes", "true: sin decidir o sin justificación"),
            ("q", "número o texto del título")]],
        responses=s.FilaSoASerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        q = request.query_params
        filtros = selectors.FiltrosSoA(dominio=q.get("dominio"), estado=q.get("estado"),
                                       aplica=_booleano(request, "aplica"),
                                       pendientes=bool(_booleano(request, "pendientes")),
                                       texto=q.get("q"))
        return _paginar(request, self, selectors.soa_de(plan=plan, filtros=filtros),
                        s.FilaSoASerializer)

    @extend_schema(summary="Actualizar varias filas en una operación",
                   operation_id="v1_pisi_soa_lote_update", request=s.SoALoteSerializer,
                   responses=s.FilaSoASerializer(many=True))
    def patch(self, request, pk: int):
        datos = _entrada(s.SoALoteSerializer, request)
        filas = services.soa_actualizar_lote(actor=request.user, plan_id=pk,
                                             cambios=[dict(c) for c in datos["cambios"]])
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        qs = selectors.soa_de(plan=plan).filter(pk__in=[f.pk for f in filas])
        return Response(s.FilaSoASerializer(qs, many=True).data)


class FilaSoAView(APIView):
    @extend_schema(summary="Actualizar una fila de la SoA", operation_id="v1_pisi_soa_fila_update",
                   request=s.FilaSoAEditarSerializer,
                   responses=s.FilaSoASerializer)
    def patch(self, request, pk: int, fila_id: int):
        datos = _entrada(s.FilaSoAEditarSerializer, request, partial=True)
        services.soa_actualizar(actor=request.user, plan_id=pk, fila_id=fila_id, **datos)
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return Response(s.FilaSoASerializer(selectors.soa_de(plan=plan).get(pk=fila_id)).data)


# ---- schedule --------------------------------------------------------------------------------

class ActividadesView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Cronograma (con actividades atrasadas calculadas)",
                   parameters=[OpenApiParameter("atrasadas", str, description="true | false")],
                   responses=s.ActividadSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        qs = selectors.actividades_de(plan=plan, atrasadas=_booleano(request, "atrasadas"))
        return _paginar(request, self, qs, s.ActividadSerializer)

    @extend_schema(summary="Agregar una actividad", request=s.ActividadCrearSerializer,
                   responses={201: s.ActividadSerializer})
    @idempotente
    def post(self, request, pk: int):
        datos = _entrada(s.ActividadCrearSerializer, request)
        act = services.actividad_crear(actor=request.user, plan_id=pk, **datos)
        return Response(self._una(request, pk, act.pk), status=status.HTTP_201_CREATED)

    @staticmethod
    def _una(request, pk, actividad_id):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        try:
            act = selectors.actividades_de(plan=plan).get(pk=actividad_id)
        except (ValueError, TypeError, plan.actividades.model.DoesNotExist):
            raise NoEncontrado() from None
        return s.ActividadSerializer(act).data


class ActividadView(APIView):
    @extend_schema(summary="Una actividad", responses=s.ActividadSerializer)
    def get(self, request, pk: int, actividad_id: int):
        return Response(ActividadesView._una(request, pk, actividad_id))

    @extend_schema(summary="Editar una actividad (avance, fechas reales, controles…)",
                   request=s.ActividadEditarSerializer, responses=s.ActividadSerializer)
    def patch(self, request, pk: int, actividad_id: int):
        datos = _entrada(s.ActividadEditarSerializer, request, partial=True)
        services.actividad_actualizar(actor=request.user, plan_id=pk, actividad_id=actividad_id,
                                      **datos)
        return Response(ActividadesView._una(request, pk, actividad_id))

    @extend_schema(summary="Eliminar una actividad", responses={204: None})
    def delete(self, request, pk: int, actividad_id: int):
        services.actividad_eliminar(actor=request.user, plan_id=pk, actividad_id=actividad_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---- evidence --------------------------------------------------------------------------------

class EvidenciasView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)
    parser_classes = [ParserJSON, MultiPartParser, FormParser]

    @extend_schema(summary="Evidencias del plan",
                   parameters=[OpenApiParameter(n, str, description=d) for n, d in [
                       ("estado", "borrador | en_revision | aprobada | rechazada | vencida"),
                       ("control", "número de control")]] + [
                       OpenApiParameter("actividad", int, description="id")],
                   responses=s.EvidenciaPlanSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        qs = selectors.evidencias_de(plan=plan, estado=request.query_params.get("estado"),
                                     control=request.query_params.get("control"),
                                     actividad_id=_entero(request, "actividad"))
        return _paginar(request, self, qs, s.EvidenciaPlanSerializer)

    @extend_schema(summary="Agregar evidencia: archivo (multipart) o enlace",
                   request={"multipart/form-data": s.EvidenciaCrearSerializer,
                            "application/json": s.EvidenciaCrearSerializer},
                   responses={201: s.EvidenciaPlanSerializer})
    @idempotente(antes=_rechazar_si_excede)
    def post(self, request, pk: int):
        _rechazar_si_excede(request)
        selectors.plan_obtener(usuario=request.user, plan_id=pk)
        datos = _entrada(s.EvidenciaCrearSerializer, request)
        archivo, url = datos.pop("archivo", None), datos.pop("url", None)
        datos["control"] = datos.get("control") or None
        if archivo is not None:
            ev = services.evidencia_subir(actor=request.user, plan_id=pk, archivo=archivo, **datos)
        else:
            ev = services.evidencia_enlazar(actor=request.user, plan_id=pk, url=url, **datos)
        ev = selectors.evidencias_de(plan=ev.plan).get(pk=ev.pk)
        return Response(s.EvidenciaPlanSerializer(ev).data, status=status.HTTP_201_CREATED)


class EvidenciaView(APIView):
    @extend_schema(summary="Eliminar evidencia en borrador o rechazada", responses={204: None})
    def delete(self, request, pk: int, evidencia_id: int):
        services.evidencia_eliminar(actor=request.user, plan_id=pk, evidencia_id=evidencia_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvidenciaEstadoView(APIView):
    @extend_schema(summary="Presentar, aprobar o rechazar una evidencia",
                   request=s.EvidenciaEstadoSerializer, responses=s.EvidenciaPlanSerializer)
    @idempotente
    def post(self, request, pk: int, evidencia_id: int):
        datos = _entrada(s.EvidenciaEstadoSerializer, request)
        ev = services.evidencia_cambiar_estado(actor=request.user, plan_id=pk,
                                               evidencia_id=evidencia_id, **datos)
        ev = selectors.evidencias_de(plan=ev.plan).get(pk=ev.pk)
        return Response(s.EvidenciaPlanSerializer(ev).data)


class EvidenciaDescargaView(APIView):
    @extend_schema(summary="Descargar una evidencia (adjunto)", responses={(200, "*/*"): bytes})
    def get(self, request, pk: int, evidencia_id: int):
        ev = selectors.evidencia_obtener(usuario=request.user, plan_id=pk,
                                         evidencia_id=evidencia_id)
        if not ev.ruta:
            raise NoEncontrado("Esta evidencia es un enlace.")
        return archivos.respuesta_descarga(ruta=ev.ruta, nombre=ev.nombre,
                                           tipo_mime=ev.tipo_mime)


# ---- follow-up -------------------------------------------------------------------------------

def _periodo_detalle(request, pk: int, periodo_id: int) -> dict:
    plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
    try:
        periodo = selectors.periodos_de(plan=plan).select_related("plan").get(pk=periodo_id)
    except (ValueError, TypeError, plan.periodos.model.DoesNotExist):
        raise NoEncontrado() from None
    datos = s.PeriodoSerializer(periodo).data
    datos["transiciones"] = s.TransicionOpcionPlanSerializer(
        selectors.transiciones_periodo(usuario=request.user, periodo=periodo), many=True).data
    return datos


class PeriodosView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Periodos de seguimiento", responses=s.PeriodoSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return _paginar(request, self, selectors.periodos_de(plan=plan), s.PeriodoSerializer)

    @extend_schema(summary="Abrir un periodo de seguimiento (CGII)",
                   request=s.PeriodoCrearSerializer, responses={201: s.PeriodoSerializer})
    @idempotente
    def post(self, request, pk: int):
        datos = _entrada(s.PeriodoCrearSerializer, request)
        periodo = services.periodo_abrir(actor=request.user, plan_id=pk, **datos)
        return Response(_periodo_detalle(request, pk, periodo.pk), status=status.HTTP_201_CREATED)


class PeriodoView(APIView):
    @extend_schema(summary="Un periodo con sus transiciones disponibles",
                   responses=s.PeriodoSerializer)
    def get(self, request, pk: int, periodo_id: int):
        return Response(_periodo_detalle(request, pk, periodo_id))


class PeriodoTransicionView(APIView):
    @extend_schema(summary="Presentar, devolver o cerrar (congela la instantánea)",
                   request=s.PeriodoTransicionSerializer, responses=s.PeriodoSerializer)
    @idempotente
    def post(self, request, pk: int, periodo_id: int):
        datos = _entrada(s.PeriodoTransicionSerializer, request)
        services.periodo_transicionar(actor=request.user, plan_id=pk, periodo_id=periodo_id,
                                      **datos)
        return Response(_periodo_detalle(request, pk, periodo_id))


class AvancesView(APIView):
    parser_classes = [ParserJSON, MultiPartParser, FormParser]

    @extend_schema(summary="La entidad reporta el avance de un control (con su evidencia, "
                           "multipart, en la misma operación)",
                   request={"application/json": s.AvanceSerializer,
                            "multipart/form-data": s.AvanceSerializer},
                   responses=s.RevisionSerializer)
    @idempotente
    def post(self, request, pk: int, periodo_id: int):
        datos = _entrada(s.AvanceSerializer, request)
        rev = services.avance_reportar(actor=request.user, plan_id=pk, periodo_id=periodo_id,
                                       **datos)
        return Response(s.RevisionSerializer(rev).data)


class RevisionesView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Controles del periodo: avance reportado y resultado del auditor",
                   parameters=[OpenApiParameter("pendientes", str, description="true"),
                               OpenApiParameter("dominio", str)],
                   responses=s.RevisionSerializer(many=True))
    def get(self, request, pk: int, periodo_id: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        periodo = selectors.periodo_obtener(plan=plan, periodo_id=periodo_id)
        qs = selectors.revisiones_de(periodo=periodo,
                                     pendientes=bool(_booleano(request, "pendientes")),
                                     dominio=request.query_params.get("dominio"))
        return _paginar(request, self, qs, s.RevisionSerializer)

    @extend_schema(summary="El auditor registra resultados (uno o varios controles)",
                   request=s.RevisionesSerializer, responses=s.RevisionSerializer(many=True))
    @idempotente
    def post(self, request, pk: int, periodo_id: int):
        datos = _entrada(s.RevisionesSerializer, request)
        hechas = services.controles_revisar(actor=request.user, plan_id=pk, periodo_id=periodo_id,
                                            revisiones=[dict(r) for r in datos["revisiones"]])
        return Response(s.RevisionSerializer(hechas, many=True).data)


class SnapshotView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Instantánea congelada al cerrar el periodo",
                   responses=s.SnapshotSerializer(many=True))
    def get(self, request, pk: int, periodo_id: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        periodo = selectors.periodo_obtener(plan=plan, periodo_id=periodo_id)
        return _paginar(request, self, selectors.snapshot_de(periodo=periodo),
                        s.SnapshotSerializer)


# ---- findings --------------------------------------------------------------------------------

class HallazgosView(APIView):
    pagination_class = Paginacion  # documents the page envelope (cgii.esquema)

    @extend_schema(summary="Hallazgos del plan",
                   parameters=[*(OpenApiParameter(n, str) for n in ("estado", "grado", "origen")),
                               OpenApiParameter("periodo", int, description="id")],
                   responses=s.HallazgoSerializer(many=True))
    def get(self, request, pk: int):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        q = request.query_params
        filtros = selectors.FiltrosHallazgo(estado=q.get("estado"), grado=q.get("grado"),
                                            origen=q.get("origen"),
                                            periodo=_entero(request, "periodo"))
        return _paginar(request, self, selectors.hallazgos_de(plan=plan, filtros=filtros),
                        s.HallazgoSerializer)

    @extend_schema(summary="Registrar un hallazgo (CGII)", request=s.HallazgoCrearSerializer,
                   responses={201: s.HallazgoSerializer})
    @idempotente
    def post(self, request, pk: int):
        datos = _entrada(s.HallazgoCrearSerializer, request)
        datos["control"] = datos.get("control") or None
        h = services.hallazgo_registrar(actor=request.user, plan_id=pk, **datos)
        return Response(self._uno(request, pk, h.pk), status=status.HTTP_201_CREATED)

    @staticmethod
    def _uno(request, pk, hallazgo_id):
        plan = selectors.plan_obtener(usuario=request.user, plan_id=pk)
        return s.HallazgoSerializer(selectors.hallazgos_de(plan=plan).get(pk=hallazgo_id)).data


class HallazgoView(APIView):
    @extend_schema(summary="Editar un hallazgo (la entidad: causa, acción, responsable, fecha)",
                   request=s.HallazgoEditarSerializer, responses=s.HallazgoSerializer)
    def patch(self, request, pk: int, hallazgo_id: int):
        datos = _entrada(s.HallazgoEditarSerializer, request, partial=True)
        services.hallazgo_actualizar(actor=request.user, plan_id=pk, hallazgo_id=hallazgo_id,
                                     **datos)
        return Response(HallazgosView._uno(request, pk, hallazgo_id))


class HallazgoCierreView(APIView):
    @extend_schema(summary="Cerrar un hallazgo (CGII)", request=s.CierreSerializer,
                   responses=s.HallazgoSerializer)
    @idempotente
    def post(self, request, pk: int, hallazgo_id: int):
        datos = _entrada(s.CierreSerializer, request)
        services.hallazgo_cerrar(actor=request.user, plan_id=pk, hallazgo_id=hallazgo_id,
                                 comentario=datos["comentario"])
        return Response(HallazgosView._uno(request, pk, hallazgo_id))
