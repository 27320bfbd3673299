"""``/api/v1/busqueda/``: the same search as the page, as JSON (GET ``q``, ``tipo``, facet
filters, ``pagina``, ``por_pagina``), and the IOC lookup (POST ``{"valores": [...]}``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cgii.errores import ErrorValidacion

from . import registro
from .formularios import MAX_VALORES_IOC, parametros, valores_ioc
from .resaltado import resaltar
from .selectors import buscar


def _acierto(a) -> dict:
    return {"tipo": a.tipo, "id": a.objeto_id, "titulo": a.titulo, "clave": a.clave,
            "url": a.url, "entidad_id": a.entidad_id, "estado": a.estado,
            "estado_etiqueta": a.etiqueta_estado,
            "prioridad": a.prioridad, "categoria": a.categoria, "tlp": a.tlp, "anio": a.anio,
            "fecha": a.fecha.isoformat() if a.fecha else None, "exacto": a.exacto,
            "puntaje": round(a.puntaje, 4), "datos": a.datos,
            "resaltado": {campo: [str(resaltar(f)) for f in fragmentos]
                          for campo, fragmentos in a.fragmentos.items()}}


class BusquedaView(APIView):
    solo_consulta = True  # POST is the IOC lookup: a read (cgii.entidades.permisos)
    @extend_schema(
        summary="Buscar incidentes, indicadores, entidades y PISI",
        description=("Con «total_exacto» falso coinciden más de «total» documentos: el total, "
                     "las facetas y el orden por relevancia cubren solo los «total» primeros "
                     "encontrados (backend de base de datos). Acote con una frase o filtros."),
        parameters=[OpenApiParameter("q", str), OpenApiParameter("tipo", str, many=True),
                    OpenApiParameter("estado", str, many=True),
                    OpenApiParameter("prioridad", str, many=True),
                    OpenApiParameter("categoria", str, many=True),
                    OpenApiParameter("entidad", int, many=True),
                    OpenApiParameter("anio", int, many=True),
                    OpenApiParameter("tlp", str, many=True),
                    OpenApiParameter("pagina", int), OpenApiParameter("por_pagina", int)],
        responses={200: dict},
    )
    def get(self, request):
        p = parametros(request.query_params)
        r = buscar(request.user, p["texto"], tipos=p["tipos"], filtros=p["filtros"],
                   pagina=p["pagina"], por_pagina=p["por_pagina"])
        return Response({
            "q": r.texto, "total": r.total, "total_exacto": r.total_exacto, "pagina": r.pagina, "por_pagina": r.por_pagina,
            "paginas": r.paginas, "backend": r.backend,
            "resultados": [_acierto(a) for a in r.aciertos],
            "facetas": {f: [{"valor": v.valor, "etiqueta": v.etiqueta, "cuenta": v.cuenta,
                             "activo": v.activo} for v in vs]
                        for f, vs in r.facetas.items()},
        })

    @extend_schema(summary="Búsqueda de IOC: qué incidentes vieron cada valor",
                   request=inline_serializer("BusquedaIOC", {"valores": serializers.RegexField(
                       r"^[^#]*[^\s#,]", help_text="Valores, uno por línea (o separados por "
                                                    "espacios o comas); # inicia un comentario.")}),
                   responses={200: dict})
    def post(self, request):
        datos = request.data if isinstance(request.data, dict) else {}
        bruto = datos.get("valores") or ""
        if not (isinstance(bruto, str) or (isinstance(bruto, list)
                                           and all(isinstance(v, str) for v in bruto))):
            # (a number here was a 500: found by the schemathesis contract run, issue 16)
            raise ErrorValidacion(extra={"valores": [
                _("Un texto con un valor por línea, o una lista de textos.")]})
        valores = valores_ioc(bruto)
        if not valores:
            raise ErrorValidacion(extra={"valores": [_("No hay valores.")]})
        if len(valores) > MAX_VALORES_IOC:
            raise ErrorValidacion(extra={"valores": [_("Máximo %(n)d valores por consulta.")
                                                     % {"n": MAX_VALORES_IOC}]})
        funcion = registro.busqueda_valores()
        if funcion is None:
            raise ErrorValidacion(_("La búsqueda de indicadores no está disponible."))
        respuestas = funcion(request.user, valores)
        return Response({"valores": len(valores),
                         "con_incidentes": sum(1 for r in respuestas if r["total"]),
                         "resultados": respuestas})
