"""The printable report: WeasyPrint, A4, Spanish, from the same template as the page.

Margin boxes carry the report title (top), "Generado el … · Datos al …" and "Página X de Y"
(bottom). Charts are the page's inline SVG (vectors: sharp at any zoom). Everything the
renderer needs is in the HTML string — no URL is fetched, so it works offline and cannot be
made to request anything.
"""

import logging

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from . import presentacion
from .documento import Documento

# WeasyPrint logs every layout step at INFO; the task logs one line per generated file.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

HOJA_ESTILOS = "cgii/reportes.css"


def cadena_css(texto: str) -> str:
    """``texto`` for a CSS double-quoted string inside <style>: backslash, quotes and line
    breaks escaped, and "<" too, so a title can never close the style element."""
    sustituciones = {"\\": "\\\\", '"': '\\"', "\n": "\\A ", "\r": "", "<": "\\3C "}
    return mark_safe("".join(sustituciones.get(c, c) for c in str(texto)))  # noqa: S308


def _hoja_estilos() -> str:
    ruta = finders.find(HOJA_ESTILOS)
    if not ruta:
        return ""
    with open(ruta, encoding="utf-8") as f:
        return f.read().replace("</", "<\\/")


def html_pdf(documento: Documento) -> str:
    with override("es"):
        contexto = presentacion.contexto(documento)
        pie = _("Generado el %(generado)s · Datos al %(corte)s") % {
            "generado": contexto["generado"], "corte": contexto["corte"]}
        contexto.update({
            "css_reportes": mark_safe(_hoja_estilos()),  # noqa: S308 (our own static file)
            "cabecera_css": cadena_css(documento.titulo),
            "pie_css": cadena_css(pie),
            "pagina_css": cadena_css(_("Página")),
            "de_css": cadena_css(_("de")),
        })
        return render_to_string("reportes/pdf.html", contexto)


def _sin_red(url: str, *args, **kwargs):
    raise ValueError(f"El PDF de un reporte no carga recursos externos: {url[:100]}")


def renderizar_pdf(documento: Documento) -> bytes:
    from weasyprint import HTML

    return HTML(string=html_pdf(documento), url_fetcher=_sin_red).write_pdf()
