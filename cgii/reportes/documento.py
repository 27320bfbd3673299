"""What a report is, independent of how it is shown.

A domain app computes its figures (a plain dataclass it tests by hand) and turns them into a
``Documento``: sections holding headline figures, charts and tables of *raw* values (int,
float, Decimal, date, aware datetime, str, None). The renderers in this package turn one
``Documento`` into HTML, PDF (WeasyPrint, charts as SVG), XLSX (one sheet per section, real
numbers) and CSV (one table), so the four formats can never disagree.

Percentages are carried on the 0–100 scale everywhere (62.5 means 62,5 %); the XLSX writer
stores them as fractions with a percent number format.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# How a value is shown. "porcentaje": 0–100; "dias"/"horas": a float duration.
FORMATOS = ("texto", "entero", "decimal", "porcentaje", "fecha", "fecha_hora", "dias", "horas")
# "barras": vertical bars (one or more series, grouped); "barras_horizontales": a ranking;
# "lineas": a trend (categorias are the periods/months); "mapa_calor": rows × columns, one
# Serie per row (Serie.nombre is the row label, categorias the column labels).
TIPOS_GRAFICO = ("barras", "barras_horizontales", "lineas", "mapa_calor")


@dataclass
class Columna:
    titulo: str
    formato: str = "texto"


@dataclass
class Tabla:
    clave: str  # slug: the CSV file name and the XLSX block's name
    titulo: str
    columnas: list[Columna]
    filas: list[list[Any]]
    nota: str = ""
    total: list[Any] | None = None  # optional totals row, same width as columnas


@dataclass
class Cifra:
    """A headline figure (a card on the page, a labelled cell in the sheet)."""

    titulo: str
    valor: Any
    formato: str = "entero"
    meta: Any = None  # the target it is measured against (e.g. 100 for the 100 % goal)
    nota: str = ""


@dataclass
class Serie:
    nombre: str
    valores: list[float | None]


@dataclass
class Grafico:
    tipo: str
    titulo: str
    categorias: list[str]
    series: list[Serie]
    formato: str = "entero"
    maximo: float | None = None  # fixed top of the value axis (100 for percentages)
    meta: float | None = None  # a target line drawn across the chart


@dataclass
class Seccion:
    clave: str  # slug: the XLSX sheet is named after titulo, the anchor after clave
    titulo: str
    texto: str = ""
    cifras: list[Cifra] = field(default_factory=list)
    graficos: list[Grafico] = field(default_factory=list)
    tablas: list[Tabla] = field(default_factory=list)


@dataclass
class Documento:
    tipo: str  # the registered report type (registro.TipoReporte.clave)
    titulo: str
    subtitulo: str
    parametros: list[tuple[str, str]]  # (label, value) pairs shown under the title
    corte: datetime  # data cut-off: figures are as of this instant
    generado_en: datetime
    secciones: list[Seccion]
    nombre_archivo: str  # download name without extension, e.g. "cumplimiento-MINEDU-2026"

    def tabla(self, clave: str) -> Tabla | None:
        for seccion in self.secciones:
            for tabla in seccion.tablas:
                if tabla.clave == clave:
                    return tabla
        return None
