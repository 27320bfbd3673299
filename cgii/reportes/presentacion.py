"""A ``Documento`` turned into what the templates print: every value already formatted,
every chart already drawn. The HTML page and the PDF share ``reportes/_documento.html`` and
this module, so they can never show different numbers."""

from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import graficos
from .documento import Documento, Tabla
from .formato import es_numerico, formatear


@dataclass
class Celda:
    texto: str
    clase: str = ""  # "num": right-aligned figures; "fecha": never wrapped


def _clase(formato: str) -> str:
    if es_numerico(formato):
        return "num"
    return "fecha" if formato in ("fecha", "fecha_hora") else ""


@dataclass
class TablaVista:
    clave: str
    titulo: str
    nota: str
    columnas: list[Celda]  # the header: titles, numeric columns flagged for alignment
    filas: list[list[Celda]]
    total: list[Celda] | None


@dataclass
class GraficoVista:
    titulo: str
    tipo: str
    svg: str  # one or more <svg> elements (tall heat maps and rankings come in parts)
    categorias: list[str]
    series: list[tuple[str, list[str]]]  # the data as text, for the screen-reader table
    partes: int = 1


@dataclass
class CifraVista:
    titulo: str
    valor: str
    meta: str
    nota: str
    numerico: bool


@dataclass
class SeccionVista:
    clave: str
    titulo: str
    texto: str
    cifras: list[CifraVista] = field(default_factory=list)
    graficos: list[GraficoVista] = field(default_factory=list)
    tablas: list[TablaVista] = field(default_factory=list)


def _fila(valores, columnas) -> list[Celda]:
    celdas = []
    for i, columna in enumerate(columnas):
        valor = valores[i] if i < len(valores) else None
        celdas.append(Celda(formatear(valor, columna.formato), _clase(columna.formato)))
    return celdas


def tabla_vista(tabla: Tabla) -> TablaVista:
    return TablaVista(
        clave=tabla.clave, titulo=tabla.titulo, nota=tabla.nota,
        columnas=[Celda(c.titulo, _clase(c.formato)) for c in tabla.columnas],
        filas=[_fila(f, tabla.columnas) for f in tabla.filas],
        total=_fila(tabla.total, tabla.columnas) if tabla.total is not None else None,
    )


def secciones(documento: Documento) -> list[SeccionVista]:
    vistas = []
    for seccion in documento.secciones:
        vista = SeccionVista(seccion.clave, seccion.titulo, seccion.texto)
        for cifra in seccion.cifras:
            meta = (_("meta %(valor)s") % {"valor": formatear(cifra.meta, cifra.formato)}
                    if cifra.meta is not None else "")
            vista.cifras.append(CifraVista(cifra.titulo, formatear(cifra.valor, cifra.formato),
                                           meta, cifra.nota, es_numerico(cifra.formato)))
        for grafico in seccion.graficos:
            partes = graficos.svgs(grafico)
            vista.graficos.append(GraficoVista(
                titulo=grafico.titulo, tipo=grafico.tipo,
                # graficos escapes every text it draws: the markup is safe to embed.
                svg=mark_safe("".join(partes)),  # noqa: S308
                categorias=[str(c) for c in grafico.categorias],
                series=[(s.nombre, [formatear(v, grafico.formato) for v in s.valores])
                        for s in grafico.series],
                partes=len(partes),
            ))
        vista.tablas = [tabla_vista(t) for t in seccion.tablas]
        vistas.append(vista)
    return vistas


def contexto(documento: Documento) -> dict:
    """Template context for ``reportes/_documento.html``."""
    return {
        "documento": documento,
        "secciones": secciones(documento),
        "corte": formatear(documento.corte, "fecha_hora"),
        "generado": formatear(documento.generado_en, "fecha_hora"),
    }
