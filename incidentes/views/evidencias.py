"""The evidence viewer: a page that previews one evidence file without ever running it,
and the two endpoints its <img> tags read (the image itself, a PDF page as PNG).

Same rule as the download (``selectors.evidencia_obtener``): another entity's incident, or
an internal (CGII-only) evidence asked by an entity user, is a 404. Everything served from
the file carries ``Content-Security-Policy: sandbox`` and ``nosniff``
(incidentes.evidencias.vista_previa says what each kind shows).
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cgii import archivos
from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import NoEncontrado

from .. import selectors
from ..evidencias import vista_previa as vp

CSP_ARCHIVO = "default-src 'none'; sandbox"


def _evidencia(request, pk: int, evidencia_id: int):
    try:
        return selectors.evidencia_obtener(usuario=request.user, incidente_id=pk,
                                           evidencia_id=evidencia_id)
    except NoEncontrado:
        raise Http404 from None


def _blindar(respuesta):
    respuesta["Content-Security-Policy"] = CSP_ARCHIVO
    respuesta["X-Content-Type-Options"] = "nosniff"
    respuesta["Cache-Control"] = "private, no-store"
    respuesta["Cross-Origin-Resource-Policy"] = "same-origin"
    return respuesta


@login_required
@require_GET
def vista(request, pk: int, evidencia_id: int):
    evidencia = _evidencia(request, pk, evidencia_id)
    previa = vp.vista_previa(evidencia)
    return render(request, "incidentes/evidencia_vista.html", {
        "incidente": evidencia.incidente, "evidencia": evidencia, "previa": previa,
        "personal": es_personal_cgii(request.user),
        "numeros_pagina": range(1, previa.paginas_mostradas + 1),
    })


@login_required
@require_GET
def imagen(request, pk: int, evidencia_id: int):
    """The image inline, typed by its own bytes; anything else (an SVG, an HTML file named
    .png) is a 404 here: it is only ever downloaded as an attachment."""
    evidencia = _evidencia(request, pk, evidencia_id)
    try:
        tipo = vp.tipo_imagen(evidencia)
        ruta = archivos.ruta_absoluta(evidencia.ruta)
    except (vp.SinVistaPrevia, NoEncontrado):
        raise Http404 from None
    if tipo is None or ruta.stat().st_size > vp.MAX_IMAGEN:
        raise Http404
    respuesta = FileResponse(open(ruta, "rb"), content_type=tipo)
    respuesta["Content-Disposition"] = "inline"
    return _blindar(respuesta)


@login_required
@require_GET
def pagina(request, pk: int, evidencia_id: int, numero: int):
    evidencia = _evidencia(request, pk, evidencia_id)
    try:
        png = vp.pagina_png(evidencia, numero)
    except vp.SinVistaPrevia:
        raise Http404 from None
    return _blindar(HttpResponse(png, content_type="image/png"))
