"""Charts as plain SVG strings: no JavaScript, no library, the same markup on the page and in
the PDF (WeasyPrint draws inline SVG as vectors, so printed charts stay sharp).

Every chart has a fixed ``viewBox`` (it scales with its container), ``role="img"`` with the
title as ``aria-label`` and ``<title>``, the values printed next to the marks (a reader of a
black-and-white printout must not need the colours), an axis with "nice" ticks, an optional
dashed target line (``Grafico.meta``) and a legend when there is more than one series.
Colours are the Okabe–Ito palette, which stays distinguishable with the common colour-vision
deficiencies; the heat map uses red → amber → green because that is what compliance readers
expect, and prints each value in its cell so the colour is never the only cue.

Text widths are estimated (no font metrics here): ~0.58 em per character of DejaVu/Liberation
Sans. Labels that would not fit are cut with "…" and keep their full text in a ``<title>``.
All text is escaped; the output is well-formed XML.
"""

import math
from dataclasses import replace
from html import escape

from django.utils.translation import gettext as _

from .documento import Grafico, Serie
from .formato import formatear, numero, porcentaje

ANCHO = 640
FUENTE = 11
FUENTE_VALOR = 10
PALETA = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F7F",
          "#F0E442")
TINTA = "#1c2430"
SUAVE = "#5b6675"
REJILLA = "#e3e7ed"
META = "#b3261e"
# Heat-map stops for 0, 50 and 100 % of the scale.
CALOR = ((0xD7, 0x30, 0x1F), (0xF0, 0xB4, 0x00), (0x1A, 0x98, 0x50))
VACIO_CELDA = "#f3f5f8"


def _e(texto) -> str:
    return escape(str(texto), quote=True)


def _ancho(texto: str, tam: float = FUENTE) -> float:
    return len(texto) * tam * 0.58


def _recortar(texto: str, max_px: float, tam: float = FUENTE) -> tuple[str, bool]:
    texto = str(texto)
    if _ancho(texto, tam) <= max_px:
        return texto, False
    caben = max(1, int(max_px / (tam * 0.58)) - 1)
    return texto[:caben].rstrip() + "…", True


def _texto(x, y, texto, *, tam=FUENTE, ancla="middle", max_px=None, color=TINTA,
           negrita=False, rotar=None) -> str:
    """One label; cut to ``max_px`` when given, the full text kept in a <title>."""
    completo = str(texto)
    mostrado, recortado = (_recortar(completo, max_px, tam) if max_px else (completo, False))
    atributos = (f'x="{x:.1f}" y="{y:.1f}" font-size="{tam:g}" text-anchor="{ancla}" '
                 f'fill="{color}"')
    if negrita:
        atributos += ' font-weight="bold"'
    if rotar is not None:
        atributos += f' transform="rotate({rotar:g} {x:.1f} {y:.1f})"'
    elemento = f"<text {atributos}>{_e(mostrado)}</text>"
    if recortado:
        return f"<g><title>{_e(completo)}</title>{elemento}</g>"
    return elemento


def _valor(v, formato: str) -> str:
    return formatear(v, formato)


def _valor_eje(v: float, formato: str) -> str:
    """Tick labels: short (no unit words), no needless decimals."""
    decimales = 0 if float(v) == round(float(v)) else (1 if float(v * 10) == round(v * 10) else 2)
    if formato == "porcentaje":
        return porcentaje(v)
    return numero(v, decimales)


def _escala(valores: list[float], formato: str, maximo: float | None,
            meta: float | None) -> tuple[float, list[float]]:
    """Top of the axis and its ticks (~5 steps of 1, 2, 2.5 or 5 × 10^k)."""
    tope = max([v for v in valores if v is not None] + [0])
    if meta is not None:
        tope = max(tope, meta)
    if maximo is not None and tope <= maximo:
        tope = maximo
    if tope <= 0:
        tope = 100 if formato == "porcentaje" else 1
    bruto = tope / 5
    magnitud = 10 ** math.floor(math.log10(bruto))
    paso = 10 * magnitud
    for m in (1, 2, 2.5, 5, 10):
        if m * magnitud >= bruto * 0.999:
            paso = m * magnitud
            break
    if formato == "entero":
        paso = max(1, round(paso))
    if maximo is not None and tope == maximo and abs(maximo / paso - round(maximo / paso)) > 1e-9:
        paso = maximo / 5
    pasos = math.ceil(tope / paso - 1e-9)
    return pasos * paso, [i * paso for i in range(pasos + 1)]


def _leyenda(series, x0: float, y: float, ancho: float, colores=PALETA) -> str:
    partes, x = [], x0
    for i, serie in enumerate(series):
        nombre, _cortado = _recortar(serie.nombre, 150)
        if x + 20 + _ancho(nombre) > x0 + ancho and x > x0:
            break  # the series are also named in the data table below the chart
        color = colores[i % len(colores)]
        partes.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" '
                      f'fill="{color}"/>')
        partes.append(_texto(x + 16, y + 1, serie.nombre, ancla="start", max_px=150))
        x += 16 + _ancho(nombre) + 18
    return "".join(partes)


def _svg(ancho: float, alto: float, titulo: str, cuerpo: str, clase: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="grafico-svg grafico-{clase}" '
        f'viewBox="0 0 {ancho:.0f} {alto:.0f}" width="{ancho:.0f}" height="{alto:.0f}" '
        f'role="img" aria-label="{_e(titulo)}" '
        f'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">'
        f"<title>{_e(titulo)}</title>{cuerpo}</svg>"
    )


def _etiquetas_categorias(categorias, centros, y, hueco) -> tuple[str, float]:
    """X-axis labels: horizontal when they fit their slot, else rotated 40°. Returns the
    markup and the height it needs below the axis."""
    girar = any(_ancho(c) > hueco - 4 for c in categorias) and hueco < 90
    cada = 1
    if girar and hueco < 13:
        cada = math.ceil(13 / hueco)  # too many to print all: every n-th one
    partes = []
    for i, (c, x) in enumerate(zip(categorias, centros, strict=True)):
        if i % cada:
            continue
        if girar:
            # Rotated labels run down to the left: the first ones must not leave the chart.
            partes.append(_texto(x + 3, y + 10, c, ancla="end", max_px=min(110, (x - 8) / 0.8),
                                 rotar=-40))
        else:
            partes.append(_texto(x, y + 14, c, max_px=hueco - 4))
    alto = (min(110, max(_ancho(c) for c in categorias)) * 0.65 + 18) if girar else 22
    return "".join(partes), alto


def _eje_vertical(izq, der, arriba, alto, tope, ticks, formato) -> str:
    partes = []
    for t in ticks:
        y = arriba + alto - alto * t / tope
        partes.append(f'<line x1="{izq:.1f}" x2="{der:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                      f'stroke="{REJILLA}" stroke-width="1"/>')
        partes.append(_texto(izq - 6, y + 4, _valor_eje(t, formato), ancla="end",
                             color=SUAVE, tam=10))
    partes.append(f'<line x1="{izq:.1f}" x2="{izq:.1f}" y1="{arriba:.1f}" '
                  f'y2="{arriba + alto:.1f}" stroke="{SUAVE}" stroke-width="1"/>')
    partes.append(f'<line x1="{izq:.1f}" x2="{der:.1f}" y1="{arriba + alto:.1f}" '
                  f'y2="{arriba + alto:.1f}" stroke="{SUAVE}" stroke-width="1"/>')
    return "".join(partes)


def _meta_horizontal(izq, der, y, meta, formato) -> str:
    texto = _("meta %(valor)s") % {"valor": _valor(meta, formato)}
    return (f'<line x1="{izq:.1f}" x2="{der:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{META}" '
            f'stroke-width="1.5" stroke-dasharray="6 4"/>'
            + _texto(der - 2, y - 4, texto, ancla="end", color=META, tam=10))


def _margen_izquierdo(ticks, formato) -> float:
    return max(_ancho(_valor_eje(t, formato), 10) for t in ticks) + 12


def _todos(grafico: Grafico) -> list[float]:
    return [v for s in grafico.series for v in s.valores if v is not None]


def barras(grafico: Grafico) -> str:
    """Grouped vertical bars: one group per category, one bar per series."""
    tope, ticks = _escala(_todos(grafico), grafico.formato, grafico.maximo, grafico.meta)
    n_cat, n_ser = max(1, len(grafico.categorias)), max(1, len(grafico.series))
    izq, der = _margen_izquierdo(ticks, grafico.formato), ANCHO - 12
    arriba = 18 + (24 if n_ser > 1 else 0)
    alto = 220
    hueco = (der - izq) / n_cat
    grupo = hueco * 0.78
    ancho_barra = grupo / n_ser
    partes = [_eje_vertical(izq, der, arriba, alto, tope, ticks, grafico.formato)]
    base = arriba + alto
    for s, serie in enumerate(grafico.series):
        color = PALETA[s % len(PALETA)]
        for c, v in enumerate(serie.valores[:n_cat]):
            x = izq + hueco * c + (hueco - grupo) / 2 + ancho_barra * s
            centro = x + ancho_barra / 2
            if v is None:
                partes.append(_texto(centro, base - 4, "—", color=SUAVE, tam=FUENTE_VALOR))
                continue
            h = alto * max(0.0, float(v)) / tope
            etiqueta = f"{serie.nombre} · {grafico.categorias[c]}: {_valor(v, grafico.formato)}"
            partes.append(f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" '
                          f'width="{max(1.0, ancho_barra - 2):.1f}" height="{h:.1f}" '
                          f'fill="{color}"><title>{_e(etiqueta)}</title></rect>')
            texto = _valor(v, grafico.formato)
            tam = max(7.0, min(FUENTE_VALOR, (ancho_barra + 4) / (0.58 * len(texto))))
            partes.append(_texto(centro, base - h - 3, texto, tam=round(tam, 1)))
    if grafico.meta is not None:
        partes.append(_meta_horizontal(izq, der, base - alto * grafico.meta / tope,
                                       grafico.meta, grafico.formato))
    centros = [izq + hueco * (c + 0.5) for c in range(len(grafico.categorias))]
    etiquetas, alto_etiquetas = _etiquetas_categorias(grafico.categorias, centros, base, hueco)
    partes.append(etiquetas)
    if n_ser > 1:
        partes.append(_leyenda(grafico.series, izq, 14, der - izq))
    return _svg(ANCHO, base + alto_etiquetas + 4, grafico.titulo, "".join(partes), "barras")


def barras_horizontales(grafico: Grafico) -> str:
    """A ranking: one row per category, bars growing to the right, value after the bar."""
    tope, ticks = _escala(_todos(grafico), grafico.formato, grafico.maximo, grafico.meta)
    n_ser = max(1, len(grafico.series))
    ancho_etiqueta = min(200.0, max([_ancho(c) for c in grafico.categorias] + [40]) + 10)
    izq = ancho_etiqueta + 8
    der = ANCHO - 12 - max([_ancho(_valor(v, grafico.formato), FUENTE_VALOR)
                            for v in _todos(grafico)] + [20]) - 6
    arriba = 10 + (24 if n_ser > 1 else 0) + (14 if grafico.meta is not None else 0)
    alto_barra = 16 if n_ser == 1 else 12
    alto_fila = alto_barra * n_ser + 8
    alto = alto_fila * max(1, len(grafico.categorias))
    escala = (der - izq) / tope
    partes = []
    for t in ticks:
        x = izq + t * escala
        partes.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{arriba:.1f}" '
                      f'y2="{arriba + alto:.1f}" stroke="{REJILLA}" stroke-width="1"/>')
        partes.append(_texto(x, arriba + alto + 14, _valor_eje(t, grafico.formato),
                             color=SUAVE, tam=10))
    partes.append(f'<line x1="{izq:.1f}" x2="{izq:.1f}" y1="{arriba:.1f}" '
                  f'y2="{arriba + alto:.1f}" stroke="{SUAVE}" stroke-width="1"/>')
    for c, categoria in enumerate(grafico.categorias):
        y0 = arriba + alto_fila * c + 4
        partes.append(_texto(ancho_etiqueta, y0 + alto_barra * n_ser / 2 + 4, categoria,
                             ancla="end", max_px=ancho_etiqueta - 4))
        for s, serie in enumerate(grafico.series):
            v = serie.valores[c] if c < len(serie.valores) else None
            y = y0 + alto_barra * s
            if v is None:
                partes.append(_texto(izq + 4, y + alto_barra - 4, "—", ancla="start",
                                     color=SUAVE, tam=FUENTE_VALOR))
                continue
            w = max(0.0, float(v)) * escala
            etiqueta = f"{categoria}: {_valor(v, grafico.formato)}"
            partes.append(f'<rect x="{izq:.1f}" y="{y:.1f}" width="{w:.1f}" '
                          f'height="{alto_barra - 2:.1f}" fill="{PALETA[s % len(PALETA)]}">'
                          f"<title>{_e(etiqueta)}</title></rect>")
            partes.append(_texto(izq + w + 4, y + alto_barra - 4, _valor(v, grafico.formato),
                                 ancla="start", tam=FUENTE_VALOR))
    if grafico.meta is not None:
        x = izq + grafico.meta * escala
        texto = _("meta %(valor)s") % {"valor": _valor(grafico.meta, grafico.formato)}
        partes.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{arriba - 4:.1f}" '
                      f'y2="{arriba + alto:.1f}" stroke="{META}" stroke-width="1.5" '
                      f'stroke-dasharray="6 4"/>')
        partes.append(_texto(x, arriba - 7, texto, color=META, tam=10,
                             ancla="end" if x > ANCHO - 80 else "middle"))
    if n_ser > 1:
        partes.append(_leyenda(grafico.series, izq, 14, der - izq))
    return _svg(ANCHO, arriba + alto + 22, grafico.titulo, "".join(partes),
                "barras-horizontales")


def _marcador(forma: int, x: float, y: float, color: str) -> str:
    # Different shapes per series: the lines stay apart without colour too.
    if forma == 1:
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}"/>'
    if forma == 2:
        return (f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 3.5:.1f} '
                f'L{x - 4.5:.1f} {y + 3.5:.1f} Z" fill="{color}"/>')
    if forma == 3:
        return (f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y:.1f} L{x:.1f} '
                f'{y + 4.5:.1f} L{x - 4.5:.1f} {y:.1f} Z" fill="{color}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.8" fill="{color}"/>'


def lineas(grafico: Grafico) -> str:
    """A trend: the categories are periods; a line per series, points marked, broken at
    missing values."""
    tope, ticks = _escala(_todos(grafico), grafico.formato, grafico.maximo, grafico.meta)
    n_cat, n_ser = max(1, len(grafico.categorias)), max(1, len(grafico.series))
    izq, der = _margen_izquierdo(ticks, grafico.formato), ANCHO - 16
    arriba = 22 + (24 if n_ser > 1 else 0)
    alto = 220
    hueco = (der - izq) / n_cat
    base = arriba + alto
    partes = [_eje_vertical(izq, der, arriba, alto, tope, ticks, grafico.formato)]
    if grafico.meta is not None:
        partes.append(_meta_horizontal(izq, der, base - alto * grafico.meta / tope,
                                       grafico.meta, grafico.formato))
    # Print every value when they have room; otherwise only each series' last one.
    todos_los_valores = n_cat * n_ser <= 24 and hueco >= 30
    # Per category: the highest point's label goes above it, the others below; a label that
    # would sit on one already placed in that column is left out (the tooltip and the data
    # table still have it).
    ocupados: dict[int, list[float]] = {}
    for s, serie in enumerate(grafico.series):
        color = PALETA[s % len(PALETA)]
        puntos = [(izq + hueco * (c + 0.5), base - alto * max(0.0, float(v)) / tope, v)
                  if v is not None else None for c, v in enumerate(serie.valores[:n_cat])]
        tramo: list[tuple[float, float]] = []
        for p in [*puntos, None]:
            if p is not None:
                tramo.append(p[:2])
                continue
            if len(tramo) > 1:
                d = " ".join(f"{x:.1f},{y:.1f}" for x, y in tramo)
                partes.append(f'<polyline points="{d}" fill="none" stroke="{color}" '
                              f'stroke-width="2" stroke-linejoin="round"/>')
            tramo = []
        ultimo = max((i for i, p in enumerate(puntos) if p is not None), default=None)
        for i, p in enumerate(puntos):
            if p is None:
                continue
            x, y, v = p
            partes.append(f"<g><title>{_e(f'{serie.nombre} · {grafico.categorias[i]}: ')}"
                          f"{_e(_valor(v, grafico.formato))}</title>"
                          f"{_marcador(s % 4, x, y, color)}</g>")
            if todos_los_valores or i == ultimo:
                en_columna = [ser.valores[i] for ser in grafico.series
                              if i < len(ser.valores) and ser.valores[i] is not None]
                ty = y - 8 if v >= max(en_columna) else y + 16
                if all(abs(ty - otro) >= 12 for otro in ocupados.setdefault(i, [])):
                    ocupados[i].append(ty)
                    partes.append(_texto(x, ty, _valor(v, grafico.formato), tam=FUENTE_VALOR))
    centros = [izq + hueco * (c + 0.5) for c in range(len(grafico.categorias))]
    etiquetas, alto_etiquetas = _etiquetas_categorias(grafico.categorias, centros, base, hueco)
    partes.append(etiquetas)
    if n_ser > 1:
        partes.append(_leyenda(grafico.series, izq, 14, der - izq))
    return _svg(ANCHO, base + alto_etiquetas + 4, grafico.titulo, "".join(partes), "lineas")


def color_calor(fraccion: float) -> str:
    """0 → red, 0.5 → amber, 1 → green (linear in between)."""
    f = min(1.0, max(0.0, fraccion))
    a, b, t = (CALOR[0], CALOR[1], f * 2) if f <= 0.5 else (CALOR[1], CALOR[2], f * 2 - 1)
    r, g, bl = (round(a[i] + (b[i] - a[i]) * t) for i in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


def _tinta_sobre(color: str) -> str:
    """Dark or white text, whichever reads better on ``color`` (relative luminance)."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lineal = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminancia = 0.2126 * lineal[0] + 0.7152 * lineal[1] + 0.0722 * lineal[2]
    return TINTA if luminancia > 0.3 else "#ffffff"


def mapa_calor(grafico: Grafico) -> str:
    """Rows × columns: ``Serie.nombre`` labels a row, ``categorias`` the columns. Colour
    runs over 0–``maximo`` (0–100 for percentages) from red to green."""
    filas, columnas = grafico.series, grafico.categorias
    n_col = max(1, len(columnas))
    ancho_etiqueta = min(180.0, max([_ancho(s.nombre) for s in filas] + [40]) + 10)
    celda = max(30.0, (ANCHO - ancho_etiqueta - 12) / n_col)
    girar = any(_ancho(c, 10) > celda - 4 for c in columnas)
    # Rotated column labels run up to the right: room for the last one.
    sobrante = min(110, max([_ancho(c, 10) for c in columnas] + [0])) * 0.71 if girar else 0
    ancho = ancho_etiqueta + 8 + celda * n_col + 4 + max(0.0, sobrante - celda / 2)
    cabecera = (min(110, max([_ancho(c, 10) for c in columnas] + [0])) * 0.7 + 16
                if girar else 20)
    alto_celda = 22
    izq = ancho_etiqueta + 8
    tope = grafico.maximo or (100.0 if grafico.formato == "porcentaje"
                              else max(_todos(grafico) + [1]))
    # One font size for every cell (the longest value decides), so sizes carry no meaning.
    textos = [_valor(v, grafico.formato) for f in filas for v in f.valores if v is not None]
    largo = max([len(t) for t in textos] + [1])
    tam_celda = round(max(7.0, min(FUENTE_VALOR, (celda - 4) / (0.58 * largo))), 1)
    partes = []
    for c, columna in enumerate(columnas):
        x = izq + celda * (c + 0.5)
        if girar:
            partes.append(_texto(x - 2, cabecera - 4, columna, tam=10, ancla="start",
                                 max_px=110, rotar=-45))
        else:
            partes.append(_texto(x, cabecera - 6, columna, tam=10, max_px=celda - 4))
    for f, fila in enumerate(filas):
        y = cabecera + alto_celda * f
        partes.append(_texto(ancho_etiqueta, y + alto_celda / 2 + 4, fila.nombre, ancla="end",
                             max_px=ancho_etiqueta - 4))
        for c in range(len(columnas)):
            v = fila.valores[c] if c < len(fila.valores) else None
            x = izq + celda * c
            etiqueta = f"{fila.nombre} · {columnas[c]}: {_valor(v, grafico.formato)}"
            if v is None:
                partes.append(f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{celda - 2:.1f}" '
                              f'height="{alto_celda - 2}" fill="{VACIO_CELDA}" stroke="'
                              f'{REJILLA}"><title>{_e(etiqueta)}</title></rect>')
                continue
            color = color_calor(float(v) / tope if tope else 0)
            partes.append(f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{celda - 2:.1f}" '
                          f'height="{alto_celda - 2}" fill="{color}"><title>{_e(etiqueta)}'
                          f"</title></rect>")
            partes.append(_texto(x + celda / 2, y + alto_celda / 2 + 3.5,
                                 _valor(v, grafico.formato), tam=tam_celda,
                                 color=_tinta_sobre(color)))
    # Colour key: five steps of the scale with their values.
    y = cabecera + alto_celda * len(filas) + 12
    partes.append(_texto(izq, y + 10, _("Escala:"), ancla="start", tam=10, color=SUAVE))
    x = izq + 50
    for paso in range(5):
        valor = tope * paso / 4
        partes.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="12" '
                      f'fill="{color_calor(paso / 4)}"/>')
        texto = _valor_eje(valor, grafico.formato)
        partes.append(_texto(x + 18, y + 10, texto, ancla="start", tam=10, color=SUAVE))
        x += 26 + _ancho(texto, 10) + 10
    partes.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="12" fill="{VACIO_CELDA}" '
                  f'stroke="{REJILLA}"/>')
    partes.append(_texto(x + 18, y + 10, _("sin datos"), ancla="start", tam=10, color=SUAVE))
    return _svg(ancho, y + 20, grafico.titulo, "".join(partes), "mapa-calor")


DIBUJANTES = {
    "barras": barras,
    "barras_horizontales": barras_horizontales,
    "lineas": lineas,
    "mapa_calor": mapa_calor,
}


# Rows of a heat map or a ranking per drawing: 30 rows fit an A4 page with their headers.
FILAS_POR_PARTE = 30


def partes(grafico: Grafico, filas: int = FILAS_POR_PARTE) -> list[Grafico]:
    """A heat map or ranking with more rows than ``filas`` as several drawings of at most
    ``filas`` rows each, on one shared scale. One SVG cannot break across PDF pages, and a
    500-entity heat map would be cut at the bottom of the first one."""
    if grafico.tipo == "mapa_calor" and len(grafico.series) > filas:
        tope = grafico.maximo or (100.0 if grafico.formato == "porcentaje"
                                  else max(_todos(grafico) + [1]))
        grupos = [grafico.series[i:i + filas] for i in range(0, len(grafico.series), filas)]
        return [replace(grafico, titulo=f"{grafico.titulo} ({k}/{len(grupos)})", series=g,
                        maximo=tope) for k, g in enumerate(grupos, start=1)]
    if grafico.tipo == "barras_horizontales" and len(grafico.categorias) > filas:
        tope, _ticks = _escala(_todos(grafico), grafico.formato, grafico.maximo, grafico.meta)
        inicios = range(0, len(grafico.categorias), filas)
        return [replace(grafico, titulo=f"{grafico.titulo} ({k}/{len(inicios)})",
                        categorias=grafico.categorias[i:i + filas], maximo=tope,
                        series=[Serie(s.nombre, s.valores[i:i + filas]) for s in grafico.series])
                for k, i in enumerate(inicios, start=1)]
    return [grafico]


def svgs(grafico: Grafico) -> list[str]:
    """The chart as one or more SVG strings (see ``partes``)."""
    return [svg(parte) for parte in partes(grafico)]


def svg(grafico: Grafico) -> str:
    """The chart as an SVG string (raises ValueError for an unknown ``tipo``)."""
    try:
        dibujar = DIBUJANTES[grafico.tipo]
    except KeyError:
        raise ValueError(f"Tipo de gráfico desconocido: {grafico.tipo!r}") from None
    return dibujar(grafico)
