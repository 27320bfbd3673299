"""The report as a workbook people can compute with: real numbers, real dates.

Sheet "Portada" (title, parameters, cut-off, generation time), then one sheet per section:
its headline figures as label/value rows, then each table (bold header, filter buttons,
sensible widths). Percentages are stored as fractions with a percent format (62,5 % is the
number 0.625), aware datetimes as La Paz wall-clock time (Excel has no time zones), durations
as plain numbers with one decimal. Text is never used where a number belongs: a sum in Excel
must work.
"""

import io
import re
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table as TablaExcel
from openpyxl.worksheet.table import TableStyleInfo

from cgii.celdas import texto_celda

from .documento import Documento, Tabla
from .formato import ZONA, formatear

FORMATOS_NUMERO = {
    "entero": "#,##0",
    "decimal": "#,##0.00",
    "porcentaje": "0.0%",
    "fecha": "DD/MM/YYYY",
    "fecha_hora": "DD/MM/YYYY HH:MM",
    "dias": "0.0",
    "horas": "0.0",
}
NEGRITA = Font(bold=True)
TITULO = Font(bold=True, size=14, color="083A66")
SUBTITULO = Font(bold=True, size=12, color="083A66")
SUAVE = Font(italic=True, color="5B6675")
CABECERA = PatternFill("solid", fgColor="EEF1F5")
INVALIDOS_HOJA = re.compile(r"[\[\]:*?/\\]")
ANCHO_MINIMO, ANCHO_MAXIMO = 8, 50


def valor_celda(valor, formato: str):
    """A raw value → what openpyxl should store (number, date, datetime, text or None)."""
    if valor is None or valor == "":
        return None
    if isinstance(valor, float) and valor != valor:  # NaN
        return None
    if formato in ("fecha", "fecha_hora") and isinstance(valor, datetime):
        local = valor.astimezone(ZONA) if timezone.is_aware(valor) else valor
        return local.date() if formato == "fecha" else local.replace(tzinfo=None)
    if isinstance(valor, datetime):
        return (valor.astimezone(ZONA) if timezone.is_aware(valor) else valor).replace(
            tzinfo=None)
    if isinstance(valor, date):
        return valor
    if isinstance(valor, bool):
        return valor
    if isinstance(valor, (int, float, Decimal)):
        if formato == "porcentaje":
            return float(valor) / 100
        if formato in ("dias", "horas", "decimal"):
            return float(valor)
        return valor
    return texto_celda(str(valor))


def _escribir(hoja, fila: int, columna: int, valor, formato: str):
    celda = hoja.cell(row=fila, column=columna, value=valor_celda(valor, formato))
    if formato in FORMATOS_NUMERO and celda.value is not None and not isinstance(
            celda.value, str):
        celda.number_format = FORMATOS_NUMERO[formato]
    return celda


def nombre_hoja(titulo: str, usados: set[str]) -> str:
    """≤ 31 characters, none of []:*?/\\, not blank, unique ignoring case (Excel's rules)."""
    base = " ".join(INVALIDOS_HOJA.sub("", titulo).split()).strip("'") or _("Sección")
    if len(base) > 31:
        corte = base[:32].rfind(" ")  # at a word boundary when one is not too far back
        base = base[:corte if corte >= 20 else 31].strip()
    nombre, n = base, 2
    while nombre.lower() in usados:
        sufijo = f" ({n})"
        nombre = base[:31 - len(sufijo)].rstrip() + sufijo
        n += 1
    usados.add(nombre.lower())
    return nombre


class _Anchos:
    """Column widths from the longest text shown in each column (formatted as on screen)."""

    def __init__(self):
        self.anchos: dict[int, int] = {}

    def ver(self, columna: int, texto: str, tope: int = ANCHO_MAXIMO):
        largo = max((len(linea) for linea in str(texto).splitlines()), default=0)
        self.anchos[columna] = min(tope, max(self.anchos.get(columna, ANCHO_MINIMO), largo + 2))

    def aplicar(self, hoja):
        for columna, ancho in self.anchos.items():
            hoja.column_dimensions[get_column_letter(columna)].width = ancho


def _portada(libro: Workbook, documento: Documento, usados: set[str]):
    hoja = libro.active
    hoja.title = nombre_hoja(_("Portada"), usados)
    hoja["A1"] = documento.titulo
    hoja["A1"].font = TITULO
    fila = 2
    if documento.subtitulo:
        hoja.cell(row=fila, column=1, value=documento.subtitulo).font = SUAVE
        fila += 1
    fila += 1
    for etiqueta, valor in documento.parametros:
        hoja.cell(row=fila, column=1, value=str(etiqueta)).font = NEGRITA
        hoja.cell(row=fila, column=2, value=str(valor))
        fila += 1
    hoja.cell(row=fila, column=1, value=_("Datos al")).font = NEGRITA
    _escribir(hoja, fila, 2, documento.corte, "fecha_hora")
    hoja.cell(row=fila + 1, column=1, value=_("Generado el")).font = NEGRITA
    _escribir(hoja, fila + 1, 2, documento.generado_en, "fecha_hora")
    fila += 3
    hoja.cell(row=fila, column=1, value=_("Secciones")).font = NEGRITA
    for seccion in documento.secciones:
        fila += 1
        hoja.cell(row=fila, column=1, value=seccion.titulo)
    hoja.column_dimensions["A"].width = 28
    hoja.column_dimensions["B"].width = 40


def _tabla(hoja, tabla: Tabla, fila: int, anchos: _Anchos, nombres: set[str]) -> int:
    """Write one table from row ``fila``; returns the first free row after it."""
    hoja.cell(row=fila, column=1, value=tabla.titulo).font = SUBTITULO
    fila += 1
    cabecera = fila
    for c, columna in enumerate(tabla.columnas, start=1):
        celda = hoja.cell(row=fila, column=c, value=columna.titulo)
        celda.font = NEGRITA
        celda.fill = CABECERA
        celda.alignment = Alignment(wrap_text=True, vertical="top")
        anchos.ver(c, columna.titulo, tope=30)
    for valores in tabla.filas:
        fila += 1
        for c, columna in enumerate(tabla.columnas, start=1):
            valor = valores[c - 1] if c - 1 < len(valores) else None
            _escribir(hoja, fila, c, valor, columna.formato)
            anchos.ver(c, formatear(valor, columna.formato))
    ultima_dato = fila
    if tabla.filas:
        _filtro(hoja, tabla, cabecera, ultima_dato, nombres)
    if tabla.total is not None:
        fila += 1
        for c, columna in enumerate(tabla.columnas, start=1):
            valor = tabla.total[c - 1] if c - 1 < len(tabla.total) else None
            _escribir(hoja, fila, c, valor, columna.formato).font = NEGRITA
            anchos.ver(c, formatear(valor, columna.formato))
    if tabla.nota:
        fila += 1
        hoja.cell(row=fila, column=1, value=tabla.nota).font = SUAVE
    return fila + 2


def _filtro(hoja, tabla: Tabla, cabecera: int, ultima: int, nombres: set[str]) -> None:
    """Filter buttons on every table of the sheet. A sheet has a single AutoFilter, so each
    table becomes an Excel table (each has its own filter). Excel tables need unique,
    non-blank text headers; when a table's headers are not, only the sheet's first table
    gets the plain AutoFilter. The totals row stays outside the range, so sorting and
    filtering never move it."""
    titulos = [str(c.titulo).strip() for c in tabla.columnas]
    rango = f"A{cabecera}:{get_column_letter(len(tabla.columnas))}{ultima}"
    if all(titulos) and len({t.lower() for t in titulos}) == len(titulos):
        base = re.sub(r"\W", "_", f"T_{tabla.clave}")[:200] or "T"
        nombre, n = base, 2
        while nombre.lower() in nombres:
            nombre, n = f"{base}_{n}", n + 1
        nombres.add(nombre.lower())
        excel = TablaExcel(displayName=nombre, ref=rango)
        excel.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        hoja.add_table(excel)
    elif not hoja.auto_filter.ref:
        hoja.auto_filter.ref = rango


def _seccion(libro: Workbook, seccion, usados: set[str], nombres_tablas: set[str]) -> None:
    hoja = libro.create_sheet(nombre_hoja(seccion.titulo, usados))
    anchos = _Anchos()
    hoja["A1"] = seccion.titulo
    hoja["A1"].font = TITULO
    fila = 2
    if seccion.texto:
        hoja.cell(row=fila, column=1, value=seccion.texto).font = SUAVE
        fila += 1
    fila += 1
    if seccion.cifras:
        for c, titulo in enumerate((_("Indicador"), _("Valor"), _("Meta"), _("Nota")), start=1):
            celda = hoja.cell(row=fila, column=c, value=titulo)
            celda.font = NEGRITA
            celda.fill = CABECERA
        for cifra in seccion.cifras:
            fila += 1
            hoja.cell(row=fila, column=1, value=cifra.titulo)
            anchos.ver(1, cifra.titulo)
            _escribir(hoja, fila, 2, cifra.valor, cifra.formato)
            anchos.ver(2, formatear(cifra.valor, cifra.formato))
            if cifra.meta is not None:
                _escribir(hoja, fila, 3, cifra.meta, cifra.formato)
            if cifra.nota:
                hoja.cell(row=fila, column=4, value=cifra.nota)
        fila += 2
    primera_tabla = None
    for tabla in seccion.tablas:
        if primera_tabla is None:
            primera_tabla = fila + 1
        fila = _tabla(hoja, tabla, fila, anchos, nombres_tablas)
    # Freeze the header of the table when it is the sheet's only one and close to the top
    # (freezing twenty rows of figures would leave no room to scroll); else the title row.
    if len(seccion.tablas) == 1 and primera_tabla is not None and primera_tabla <= 16:
        hoja.freeze_panes = f"B{primera_tabla + 1}"
    else:
        hoja.freeze_panes = "A2"
    anchos.aplicar(hoja)


def renderizar_xlsx(documento: Documento) -> bytes:
    with override("es"):
        libro = Workbook()
        usados: set[str] = set()
        nombres_tablas: set[str] = set()
        _portada(libro, documento, usados)
        for seccion in documento.secciones:
            _seccion(libro, seccion, usados, nombres_tablas)
        libro.properties.title = documento.titulo[:255]
        libro.properties.creator = "CGII · AGETIC"
        salida = io.BytesIO()
        libro.save(salida)
        return salida.getvalue()
