"""Export of the incident list and the console views as CSV or XLSX (issue 18), with the
page's filters applied, through the same tenant-scoped selector as the page. Rows are read
with ``.iterator()`` and written as they come: CSV is streamed to the client; XLSX uses
openpyxl's write-only workbook (rows go to a temporary file, not to memory), then the file
is streamed."""

import csv
import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cgii.celdas import texto_celda
from cgii.entidades.selectors import es_personal_cgii

from .. import selectors
from .comun import ESTADOS_RELOJ
from .filtros import filtros_de

MAX_FILAS = 100_000
COLUMNAS = ("codigo", "titulo", "entidad", "categoria", "tipo", "prioridad", "estado",
            "estado_sla", "vence_sla", "analista", "etiquetas", "creado", "actualizado")


def _encabezados() -> list[str]:
    return [_("Código"), _("Título"), _("Entidad"), _("Categoría"), _("Tipo"), _("Prioridad"),
            _("Estado"), _("SLA"), _("Vence SLA"), _("Analista"), _("Etiquetas"),
            _("Reportado"), _("Actualizado")]


def _fecha(valor):
    return timezone.localtime(valor).strftime("%Y-%m-%d %H:%M") if valor else ""


def _valor_seguro(valor: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/XLSX
    injection: titles come from entities)."""
    valor = texto_celda(valor)
    return "'" + valor if valor[:1] in ("=", "+", "-", "@", "\t", "\r") else valor


def _filas(qs, personal: bool):
    for i in qs.iterator(chunk_size=1000):
        analista = (i.analista.get_full_name() or i.analista.username) if i.analista else ""
        yield [i.codigo, _valor_seguro(i.titulo), i.entidad.sigla,
               i.tipo.clase.nombre if i.tipo else "", i.tipo.nombre if i.tipo else "",
               i.prioridad, i.get_estado_display(), str(ESTADOS_RELOJ.get(i.estado_sla, "")),
               _fecha(i.vence_sla), analista if personal else "",
               ", ".join(i.etiquetas) if personal else "", _fecha(i.creado),
               _fecha(i.actualizado)]


class _Eco:
    def write(self, valor):
        return valor


@login_required
@require_GET
def exportar(request, formato: str):
    """``/incidentes/exportar.<csv|xlsx>?pagina=consola|lista&<that page's filters>``."""
    if formato not in ("csv", "xlsx"):
        raise Http404
    pagina = "consola" if request.GET.get("pagina") == "consola" else "lista"
    consulta = request.GET.copy()
    for clave in ("pagina", "page"):
        consulta.pop(clave, None)
    personal = es_personal_cgii(request.user)
    filtros = filtros_de(pagina, consulta.urlencode(), request.user)
    qs = selectors.incidentes_lista(usuario=request.user, filtros=filtros)[:MAX_FILAS]
    nombre = f"incidentes-{timezone.localdate():%Y%m%d}"
    if formato == "csv":
        escritor = csv.writer(_Eco())

        def cuerpo():
            yield "\ufeff" + escritor.writerow(_encabezados())
            for fila in _filas(qs, personal):
                yield escritor.writerow(fila)

        respuesta = StreamingHttpResponse(cuerpo(), content_type="text/csv; charset=utf-8")
        respuesta["Content-Disposition"] = f'attachment; filename="{nombre}.csv"'
        return respuesta
    from openpyxl import Workbook

    libro = Workbook(write_only=True)
    hoja = libro.create_sheet(_("Incidentes"))
    hoja.append(_encabezados())
    for fila in _filas(qs, personal):
        hoja.append(fila)
    archivo = tempfile.TemporaryFile()
    libro.save(archivo)
    archivo.seek(0)
    return FileResponse(archivo, as_attachment=True, filename=f"{nombre}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")
