"""TAXII 2.1 endpoints (DRF views answering TAXII media types and error bodies).

Authentication: API tokens (``Authorization: Token|Bearer <key>``) and sessions, as the rest
of the API. Pagination of ``objects``/``manifest``/``versions``: ``limit`` and an opaque
``next`` keyset token on (date_added, id) — the same cursor as the national feed, so it is
stable across workers and concurrent inserts.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from cgii.bd.replica import leer_de_replica
from cgii.entidades.selectors import es_personal_cgii
from cgii.entrada import JSONNoAdmitido, cargar_json
from cgii.errores import ErrorDominio, ErrorValidacion, NoEncontrado

from .. import conf, exportacion, listas, selectors, services, stix
from ..models import EstadoImportacion
from ..services.importacion import stix_importar
from . import colecciones

TIPO_TAXII = "application/taxii+json;version=2.1"
TIPO_STIX = "application/stix+json;version=2.1"
LIMITE_DEFECTO = 100
LIMITE_MAXIMO = 1000
RAIZ = "cgii"


class ErrorTAXII(Exception):
    def __init__(self, estado: int, titulo: str, descripcion: str = ""):
        super().__init__(titulo)
        self.estado, self.titulo, self.descripcion = estado, titulo, descripcion


def respuesta(datos: dict, estado: int = 200, *, tipo: str = TIPO_TAXII,
              cabeceras: dict | None = None) -> HttpResponse:
    r = HttpResponse(json.dumps(datos, ensure_ascii=False), status=estado,
                     content_type=tipo)
    for k, v in (cabeceras or {}).items():
        r[k] = v
    return r


def _aceptable(aceptar: str, tipo: str) -> bool:
    """Accept header check: the TAXII (or STIX for objects) media type, version 2.1 or none,
    ``application/json`` or a wildcard."""
    if not aceptar.strip():
        return True
    base_propia = tipo.split(";")[0]
    for parte in aceptar.split(","):
        trozos = [t.strip().lower() for t in parte.split(";")]
        base, params = trozos[0], [p.replace(" ", "") for p in trozos[1:]]
        if base in ("*/*", "application/*", "application/json"):
            return True
        if base == base_propia:
            version = [p for p in params if p.startswith("version=")]
            if not version or version[0] == "version=2.1":
                return True
    return False


class VistaTAXII(APIView):
    tipo_respuesta = TIPO_TAXII
    schema = None  # TAXII has its own specification; kept out of the OpenAPI schema.

    def perform_content_negotiation(self, request, force=False):
        # Negotiated in ``initial`` (TAXII media types); responses are built here.
        return JSONRenderer(), TIPO_TAXII

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        aceptar = request.META.get("HTTP_ACCEPT", "")
        if not (_aceptable(aceptar, self.tipo_respuesta) or _aceptable(aceptar, TIPO_TAXII)):
            raise ErrorTAXII(406, _("Tipo de contenido no aceptable"),
                             _("Use %(t)s.") % {"t": TIPO_TAXII})

    def handle_exception(self, exc):
        cabeceras = {}
        if isinstance(exc, ErrorTAXII):
            estado, titulo, descripcion = exc.estado, exc.titulo, exc.descripcion
        elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            estado, titulo, descripcion = 401, _("No autenticado"), str(exc.detail)
            encabezado = self.get_authenticate_header(self.request)
            if encabezado:
                cabeceras["WWW-Authenticate"] = encabezado
        elif isinstance(exc, exceptions.APIException):
            estado, titulo, descripcion = exc.status_code, str(exc.default_detail), str(exc.detail)
        elif isinstance(exc, (Http404, NoEncontrado)):
            estado, titulo, descripcion = 404, _("No encontrado"), ""
        elif isinstance(exc, ErrorDominio):
            estado, titulo = exc.status, str(exc)
            descripcion = json.dumps(getattr(exc, "extra", None) or {}, ensure_ascii=False,
                                     default=str)
        else:
            raise exc
        return respuesta({"title": titulo, "description": descripcion, "http_status":
                          str(estado)}, estado, cabeceras=cabeceras)


def _no_encontrado(que: str = "") -> ErrorTAXII:
    return ErrorTAXII(404, _("No encontrado"), que)


class Descubrimiento(VistaTAXII):
    def get(self, request):
        raiz = request.build_absolute_uri(f"/taxii2/{RAIZ}/")
        return respuesta({"title": "CGII TAXII 2.1",
                          "description": "Indicadores de compromiso del CGII (AGETIC, Bolivia).",
                          "contact": exportacion.identidad_cgii()["contact_information"],
                          "default": raiz, "api_roots": [raiz]})


class RaizAPI(VistaTAXII):
    def get(self, request):
        return respuesta({"title": "CGII", "description": "Raíz de la API TAXII del CGII.",
                          "versions": [TIPO_TAXII],
                          "max_content_length": conf.valor("INDICADORES_STIX_MAX_BYTES")})


class Colecciones(VistaTAXII):
    def get(self, request):
        return respuesta({"collections": [c.recurso()
                                          for c in colecciones.colecciones_de(request.user)]})


def _coleccion(request, coleccion_id: str) -> colecciones.Coleccion:
    c = colecciones.coleccion_obtener(request.user, coleccion_id)
    if c is None:
        raise _no_encontrado(_("La colección no existe o no tiene acceso."))
    return c


class ColeccionDetalle(VistaTAXII):
    def get(self, request, coleccion_id):
        return respuesta(_coleccion(request, coleccion_id).recurso())


# ---- objects ----------------------------------------------------------------------------------


def _fecha(texto: str, parametro: str) -> datetime:
    try:
        momento = datetime.fromisoformat(texto.strip().replace("Z", "+00:00"))
    except ValueError:
        momento = None
    if momento is None or momento.tzinfo is None:
        raise ErrorTAXII(400, _("Parámetro no válido"),
                         _("%(p)s debe ser un timestamp RFC 3339 en UTC.") % {"p": parametro})
    return momento


def _ms(momento: datetime) -> datetime:
    return momento.replace(microsecond=momento.microsecond // 1000 * 1000)


def _lista(request, nombre: str) -> list[str] | None:
    valor = request.query_params.get(nombre)
    if valor is None:
        return None
    return [v.strip() for v in valor.split(",") if v.strip()]


def _filtrar(request, qs, *, version_defecto: str = "last"):
    """Apply added_after and the match[...] filters. Each indicator has one stored version
    (its current ``modified``), so ``first``, ``last`` and ``all`` select the same object."""
    despues = request.query_params.get("added_after")
    if despues:
        # date_added is published at millisecond precision (X-TAXII-Date-Added-Last, which
        # clients send back as added_after): "after" means from the next millisecond on.
        momento = _ms(_fecha(despues, "added_after"))
        qs = qs.filter(fecha__gte=momento + timedelta(milliseconds=1))
    tipos = _lista(request, "match[type]")
    if tipos is not None and "indicator" not in tipos:
        return qs.none()
    versiones_spec = _lista(request, "match[spec_version]")
    if versiones_spec is not None and stix.ESPECIFICACION not in versiones_spec:
        return qs.none()
    ids = _lista(request, "match[id]")
    if ids is not None:
        uuids = []
        for i in ids:
            tipo, _sep, resto = i.partition("--")
            try:
                if tipo == "indicator":
                    uuids.append(uuid.UUID(resto))
            except ValueError:
                pass
        qs = qs.filter(stix_uuid__in=uuids)
    versiones = _lista(request, "match[version]") or [version_defecto]
    if not {"first", "last", "all"} & set(versiones):
        q = Q()
        for v in versiones:
            momento = _ms(_fecha(v, "match[version]"))
            q |= Q(fecha__gte=momento, fecha__lt=momento + timedelta(milliseconds=1))
        qs = qs.filter(q)
    return qs


def _pagina(request, qs):
    try:
        limite = int(request.query_params.get("limit") or LIMITE_DEFECTO)
    except ValueError:
        raise ErrorTAXII(400, _("Parámetro no válido"), "limit") from None
    if limite < 1:
        raise ErrorTAXII(400, _("Parámetro no válido"), "limit")
    limite = min(limite, LIMITE_MAXIMO)
    token = request.query_params.get("next")
    cursor = None
    if token:
        try:
            cursor = selectors.Cursor.desde_token(token)
        except ErrorValidacion:
            raise ErrorTAXII(400, _("Parámetro no válido"),
                             _("«next» no es un marcador válido.")) from None
    # Warninglisted values are withheld while paging: the page, its date headers and the
    # ``next`` cursor only ever describe published objects (issue 16).
    filas, siguiente = selectors.pagina_keyset(qs, despues=cursor, limite=limite,
                                               publicable=listas.publicable)
    cabeceras = {}
    if filas:
        cabeceras["X-TAXII-Date-Added-First"] = stix.ts(filas[0].fecha)
        cabeceras["X-TAXII-Date-Added-Last"] = stix.ts(filas[-1].fecha)
    sobre = {"more": siguiente is not None}
    if siguiente is not None:
        sobre["next"] = siguiente.token()
    return filas, sobre, cabeceras


def _objetos(request, c: colecciones.Coleccion, filas) -> list[dict]:
    """The SDOs of a page: national rows, or the entity user's own view (``vista``)."""
    entidades = {c.entidad_id} if c.entidad_id is not None else None
    return exportacion.objetos_compartidos(request.user, filas, entidades=entidades)


class Objetos(VistaTAXII):
    tipo_respuesta = TIPO_STIX

    @leer_de_replica
    def get(self, request, coleccion_id):
        c = _coleccion(request, coleccion_id)
        if not c.lectura:
            raise ErrorTAXII(403, _("Sin acceso de lectura"),
                             _("La colección no admite lectura."))
        qs = _filtrar(request, colecciones.indicadores_de(request.user, c))
        filas, sobre, cabeceras = _pagina(request, qs)
        sobre["objects"] = _objetos(request, c, filas)
        return respuesta(sobre, cabeceras=cabeceras)

    def post(self, request, coleccion_id):
        c = _coleccion(request, coleccion_id)
        if not c.escritura:
            raise ErrorTAXII(403, _("Sin acceso de escritura"),
                             _("La colección no admite escritura."))
        tipo = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if tipo not in ("application/taxii+json", "application/json"):
            raise ErrorTAXII(415, _("Tipo de contenido no soportado"), TIPO_TAXII)
        try:
            sobre = cargar_json(request.body or b"null")
        except JSONNoAdmitido as exc:
            raise ErrorTAXII(400, _("JSON no válido"), str(exc)) from None
        if not isinstance(sobre, dict) or not isinstance(sobre.get("objects"), list):
            raise ErrorTAXII(400, _("Sobre no válido"),
                             _("Se espera {\"objects\": [...]}."))
        incidente = request.query_params.get("incidente")
        try:
            incidente_id = int(incidente) if incidente else None
        except ValueError:
            raise ErrorTAXII(400, _("Parámetro no válido"), "incidente") from None
        bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
                  "objects": sobre["objects"]}
        importacion = stix_importar(actor=request.user,
                                    contenido=json.dumps(bundle).encode(),
                                    nombre_archivo="taxii-inbox.json",
                                    incidente_id=incidente_id, solo_validos=True)
        return respuesta(_estado(importacion, sobre["objects"]), 202)


def _id_estado(pk: int) -> str:
    return f"00000000-0000-4000-8000-{pk:012x}"


def _pk_estado(estado_id: str) -> int:
    prefijo = "00000000-0000-4000-8000-"
    if not estado_id.startswith(prefijo) or len(estado_id) != len(prefijo) + 12:
        raise _no_encontrado()
    try:
        return int(estado_id[len(prefijo):], 16)
    except ValueError:
        raise _no_encontrado() from None


def _estado(importacion, objetos: list | None = None) -> dict:
    E = EstadoImportacion
    total = importacion.total_objetos
    terminado = importacion.estado in (E.COMPLETADA, E.RECHAZADA, E.FALLIDA)
    fallas = [{"id": e.get("id") or f"#{e.get('indice')}", "message": e.get("motivo", "")}
              for e in (importacion.errores or [])]
    if importacion.estado == E.FALLIDA:
        fallos = total
    elif importacion.estado == E.RECHAZADA:
        fallos = total
    else:
        fallos = importacion.total_errores
    exitos = total - fallos if importacion.estado == E.COMPLETADA else 0
    pendientes = 0 if terminado else total
    return {
        "id": _id_estado(importacion.pk),
        "status": "complete" if terminado else "pending",
        "request_timestamp": stix.ts(importacion.creado),
        "total_count": total, "success_count": exitos, "failure_count": fallos,
        "pending_count": pendientes, "failures": fallas,
    }


class Estado(VistaTAXII):
    def get(self, request, estado_id):
        importacion = selectors.importacion_obtener(usuario=request.user,
                                                    importacion_id=_pk_estado(estado_id))
        return respuesta(_estado(importacion))


class Objeto(VistaTAXII):
    tipo_respuesta = TIPO_STIX

    def _qs(self, request, coleccion_id, objeto_id):
        c = self.coleccion = _coleccion(request, coleccion_id)
        if not c.lectura:
            raise ErrorTAXII(403, _("Sin acceso de lectura"))
        tipo, _sep, resto = objeto_id.partition("--")
        try:
            u = uuid.UUID(resto)
        except ValueError:
            raise _no_encontrado() from None
        if tipo != "indicator":
            raise _no_encontrado()
        return colecciones.indicadores_de(request.user, c).filter(stix_uuid=u)

    def get(self, request, coleccion_id, objeto_id):
        qs = _filtrar(request, self._qs(request, coleccion_id, objeto_id))
        filas, sobre, cabeceras = _pagina(request, qs)
        if not filas:
            raise _no_encontrado()
        sobre["objects"] = _objetos(request, self.coleccion, filas)
        return respuesta(sobre, cabeceras=cabeceras)


    def delete(self, request, coleccion_id, objeto_id):
        """Staff with a managing role remove an object: the indicator is revoked (a new
        version; it leaves every collection). Others: 403 once they may see the object."""
        indicador = self._qs(request, coleccion_id, objeto_id).first()
        if indicador is None:
            raise _no_encontrado()
        if not es_personal_cgii(request.user):
            raise ErrorTAXII(403, _("Sin permiso"), _("Solo el CGII retira objetos."))
        services.indicador_actualizar(actor=request.user, indicador_id=indicador.pk,
                                      revocado=True)
        return HttpResponse(status=200, content_type=TIPO_TAXII)


class Versiones(Objeto):
    tipo_respuesta = TIPO_TAXII

    def get(self, request, coleccion_id, objeto_id):
        qs = _filtrar(request, self._qs(request, coleccion_id, objeto_id),
                      version_defecto="all")
        filas, sobre, cabeceras = _pagina(request, qs)
        if not filas:
            raise _no_encontrado()
        sobre["versions"] = [o["modified"] for o in _objetos(request, self.coleccion, filas)]
        return respuesta(sobre, cabeceras=cabeceras)


class Manifiesto(VistaTAXII):
    @leer_de_replica
    def get(self, request, coleccion_id):
        c = _coleccion(request, coleccion_id)
        if not c.lectura:
            raise ErrorTAXII(403, _("Sin acceso de lectura"))
        qs = _filtrar(request, colecciones.indicadores_de(request.user, c))
        filas, sobre, cabeceras = _pagina(request, qs)
        objetos = _objetos(request, c, filas)
        sobre["objects"] = [{"id": o["id"], "date_added": stix.ts(i.fecha),
                             "version": o["modified"], "media_type": TIPO_STIX}
                            for i, o in zip(filas, objetos, strict=True)]
        return respuesta(sobre, cabeceras=cabeceras)
