"""Generic report pages and downloads, for every registered report type.

Thin: parse the query with the type's form, call ``construir`` or a service, pick a
renderer. An unknown key and a type the user may not see are the same 404; invalid
parameters are a 400 page with the form's errors; a domain error from the builder is a 400
with its message (404 when it says "not found" or "not allowed"), never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cgii import archivos
from cgii.bd.replica import leer_de_replica
from cgii.errores import ErrorDominio, NoEncontrado, PermisoDenegado

from . import presentacion, registro, services
from .models import EstadoReporte, ReporteGenerado
from .texto_csv import TablaInexistente, renderizar_csv

FORMATOS_DESCARGA = ("pdf", "xlsx", "csv")
GENERADOS_RECIENTES = 5


def _tipo(clave: str, usuario) -> registro.TipoReporte:
    try:
        return services.tipo_visible(clave, usuario)
    except NoEncontrado:
        raise Http404() from None


def _quiere_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _quiere_html(request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


class _Consulta:
    """The parameters of one request: the type's form, bound to the query, or — when the
    page is opened without a query — to the form's initial values."""

    def __init__(self, tipo, request):
        self.parametros = services.parametros_de(request.GET)
        self.enviada = bool(self.parametros)
        if not self.enviada:
            self.parametros = services.parametros_iniciales(tipo, request.user)
        try:
            self.formulario = services.validar(tipo, self.parametros, request.user)
            self.valida = True
        except services.ParametrosInvalidos as exc:
            self.valida = False
            # Opened without a query and the defaults are not enough: show the blank form,
            # no errors (the user has not asked anything yet).
            self.formulario = (exc.formulario if self.enviada
                               else tipo.formulario(None, usuario=request.user))

    @property
    def texto(self) -> str:
        return services.consulta_de(self.parametros).urlencode()


@leer_de_replica
def _construir(tipo, request, consulta: _Consulta):
    """The document, or (None, message) for a domain error; 404 for not found/not allowed."""
    try:
        return tipo.construir(usuario=request.user, parametros=consulta.formulario.cleaned_data,
                              progreso=None), ""
    except (NoEncontrado, PermisoDenegado):
        raise Http404() from None
    except ErrorDominio as exc:
        return None, exc.message


def _pagina(request, tipo, consulta: _Consulta, *, documento=None, error="", status=200):
    contexto = {
        "tipo": tipo, "formulario": consulta.formulario, "consulta": consulta.texto,
        "error": error, "documento": documento,
        "generados": (ReporteGenerado.objects.filter(usuario=request.user, tipo=tipo.clave)
                      [:GENERADOS_RECIENTES] if tipo.asincrono else []),
    }
    if documento is not None:
        contexto.update(presentacion.contexto(documento))
        url_csv = reverse("reportes:descargar", args=[tipo.clave, "csv"])
        contexto["url_csv"] = f"{url_csv}?{consulta.texto}{'&' if consulta.texto else ''}tabla="
    return render(request, "reportes/reporte.html", contexto, status=status)


@login_required
@require_GET
def indice(request):
    return render(request, "reportes/indice.html", {"tipos": registro.visibles(request.user)})


@login_required
@require_GET
def reporte(request, clave: str):
    tipo = _tipo(clave, request.user)
    consulta = _Consulta(tipo, request)
    if not consulta.valida:
        return _pagina(request, tipo, consulta, status=400 if consulta.enviada else 200)
    documento, error = _construir(tipo, request, consulta)
    return _pagina(request, tipo, consulta, documento=documento, error=error,
                   status=400 if error else 200)


def _adjunto(contenido, *, tipo_mime: str, nombre: str) -> HttpResponse:
    respuesta = HttpResponse(contenido, content_type=tipo_mime)
    respuesta["Content-Disposition"] = content_disposition_header(True, nombre)
    respuesta["Cache-Control"] = "private, no-store"
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta


@login_required
@require_GET
def descargar(request, clave: str, formato: str):
    tipo = _tipo(clave, request.user)
    if formato not in FORMATOS_DESCARGA:
        raise Http404()
    consulta = _Consulta(tipo, request)
    if tipo.asincrono and formato != "csv":
        # Large files are generated in the background: back to the page, whose buttons
        # start that (a GET must not start work).
        messages.info(request, _("Este reporte se genera en segundo plano: use el botón "
                                 "«Generar %(formato)s».") % {"formato": formato.upper()})
        destino = reverse("reportes:reporte", args=[tipo.clave])
        return HttpResponseRedirect(f"{destino}?{consulta.texto}" if consulta.texto else destino)
    if not consulta.valida:
        return _pagina(request, tipo, consulta, status=400)
    documento, error = _construir(tipo, request, consulta)
    if documento is None:
        return _pagina(request, tipo, consulta, error=error, status=400)
    if formato == "csv":
        clave_tabla = request.GET.get("tabla", "")
        try:
            texto = renderizar_csv(documento, clave_tabla)
        except TablaInexistente:
            raise Http404() from None
        services.descarga_registrar(usuario=request.user, tipo=tipo, formato=formato,
                                    parametros=consulta.parametros, tabla=clave_tabla)
        # The BOM makes Excel read the file as UTF-8 (accents) instead of the ANSI code page.
        return _adjunto("\ufeff" + texto, tipo_mime=services.TIPOS_MIME["csv"],
                        nombre=f"{documento.nombre_archivo}-{clave_tabla}.csv")
    contenido = services.renderizar(documento, formato)
    services.descarga_registrar(usuario=request.user, tipo=tipo, formato=formato,
                                parametros=consulta.parametros)
    return _adjunto(contenido, tipo_mime=services.TIPOS_MIME[formato],
                    nombre=f"{documento.nombre_archivo}.{formato}")


@login_required
@require_POST
def generar(request, clave: str):
    """Start a background PDF/XLSX of an ``asincrono`` type. The report's parameters come
    in the query string (the same as the page's), the format in the form body. JSON callers
    (reportes.js) get 202 with the state; a plain form post goes to the progress page."""
    tipo = _tipo(clave, request.user)
    if not tipo.asincrono:
        return _error_generar(request, tipo, _("Este reporte se descarga directamente."))
    try:
        generado = services.reporte_solicitar(usuario=request.user, tipo=tipo,
                                              parametros=request.GET,
                                              formato=request.POST.get("formato", ""))
    except services.ParametrosInvalidos as exc:
        if _quiere_json(request):
            return JsonResponse({"message": exc.message, "extra": exc.extra}, status=400)
        consulta = _Consulta(tipo, request)
        return _pagina(request, tipo, consulta, status=400)
    except NoEncontrado:
        raise Http404() from None
    except services.DemasiadosEnCurso as exc:
        return _error_generar(request, tipo, exc.message, status=exc.status)
    except ErrorDominio as exc:
        return _error_generar(request, tipo, exc.message)
    if _quiere_json(request):
        return JsonResponse({**services.estado_json(generado),
                             "url_estado": reverse("reportes:estado", args=[generado.pk])},
                            status=202)
    return HttpResponseRedirect(reverse("reportes:estado", args=[generado.pk]))


def _error_generar(request, tipo, mensaje: str, *, status: int = 400):
    if _quiere_json(request):
        return JsonResponse({"message": mensaje, "extra": {}}, status=status)
    return _pagina(request, tipo, _Consulta(tipo, request), error=mensaje, status=status)


@login_required
@require_GET
def estado(request, reporte_id: int):
    """The state of one of the user's generated files: JSON for scripts (the default), a
    progress page for browsers (Accept: text/html)."""
    try:
        generado = services.generado_de(usuario=request.user, reporte_id=reporte_id)
    except NoEncontrado:
        raise Http404() from None
    if not _quiere_html(request):
        return JsonResponse(services.estado_json(generado))
    tipo = registro.obtener(generado.tipo)
    return render(request, "reportes/generado.html", {
        "generado": generado, "tipo": tipo, "estado": services.estado_json(generado),
        "en_curso": generado.estado in (EstadoReporte.PENDIENTE, EstadoReporte.GENERANDO),
        "volver": (reverse("reportes:reporte", args=[tipo.clave]) + "?"
                   + services.consulta_de(generado.parametros).urlencode())
        if tipo is not None and tipo.puede_ver(request.user) else "",
    })


@login_required
@require_GET
def archivo(request, reporte_id: int):
    try:
        generado = services.archivo_de(usuario=request.user, reporte_id=reporte_id)
        return archivos.respuesta_descarga(ruta=generado.ruta, nombre=generado.nombre,
                                           tipo_mime=services.TIPOS_MIME[generado.formato])
    except NoEncontrado:
        raise Http404() from None
