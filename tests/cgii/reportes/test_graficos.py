import xml.etree.ElementTree as ET

import pytest

from cgii.reportes import graficos
from cgii.reportes.documento import Grafico, Serie

from .ejemplo import documento_prueba

SVG = "{http://www.w3.org/2000/svg}"


def _textos(raiz) -> list[str]:
    return ["".join(t.itertext()) for t in raiz.iter(f"{SVG}text")]


def _graficos():
    return [g for s in documento_prueba().secciones for g in s.graficos]


@pytest.mark.parametrize("grafico", _graficos(), ids=lambda g: g.tipo)
def test_svg_bien_formado_y_accesible(grafico):
    raiz = ET.fromstring(graficos.svg(grafico))
    assert raiz.tag == f"{SVG}svg"
    assert raiz.get("role") == "img"
    assert raiz.get("aria-label") == grafico.titulo
    assert raiz.find(f"{SVG}title").text == grafico.titulo
    x, y, ancho, alto = (float(v) for v in raiz.get("viewBox").split())
    assert (x, y) == (0, 0) and ancho > 0 and alto > 0


def test_barras_imprimen_valores_etiquetas_meta_y_leyenda():
    g = Grafico("barras", "Por mes", ["Enero", "Febrero"],
                [Serie("Reportados", [10, 25]), Serie("Cerrados", [8, None])], meta=20)
    raiz = ET.fromstring(graficos.svg(g))
    textos = _textos(raiz)
    for esperado in ("Enero", "Febrero", "10", "25", "8", "Reportados", "Cerrados",
                     "meta 20", "—"):
        assert esperado in textos
    assert any(linea.get("stroke-dasharray") for linea in raiz.iter(f"{SVG}line"))
    assert "0" in textos and "25" in textos  # axis ticks


def test_una_serie_sin_leyenda():
    g = Grafico("barras", "Por mes", ["Enero"], [Serie("Única", [3])])
    assert "Única" not in _textos(ET.fromstring(graficos.svg(g)))


def test_barras_horizontales_porcentaje():
    g = Grafico("barras_horizontales", "Ranking", ["MINEDU", "AGETIC"],
                [Serie("Cumplimiento", [62.5, 100])], formato="porcentaje", maximo=100, meta=80)
    textos = _textos(ET.fromstring(graficos.svg(g)))
    assert "62,5\u00a0%" in textos and "100\u00a0%" in textos and "meta 80\u00a0%" in textos
    assert "MINEDU" in textos


def test_lineas_cortadas_en_valores_faltantes():
    g = Grafico("lineas", "Tendencia", ["E", "F", "M", "A"],
                [Serie("Atención", [50, 60, None, 90])], formato="porcentaje", maximo=100)
    raiz = ET.fromstring(graficos.svg(g))
    assert len(list(raiz.iter(f"{SVG}polyline"))) == 1  # E–F; A alone is only a point
    assert len(list(raiz.iter(f"{SVG}circle"))) == 3
    textos = _textos(raiz)
    assert "90\u00a0%" in textos and "E" in textos


def test_mapa_calor_colores_valores_y_celdas_vacias():
    g = Grafico("mapa_calor", "Dominios", ["A.5", "A.6"],
                [Serie("MINEDU", [100, None]), Serie("AGETIC", [0, 50])],
                formato="porcentaje", maximo=100)
    raiz = ET.fromstring(graficos.svg(g))
    textos = _textos(raiz)
    assert {"100\u00a0%", "0\u00a0%", "50\u00a0%", "MINEDU", "A.5", "sin datos"} <= set(textos)
    rellenos = [r.get("fill") for r in raiz.iter(f"{SVG}rect")]
    assert graficos.color_calor(0) in rellenos and graficos.color_calor(1) in rellenos
    assert graficos.VACIO_CELDA in rellenos
    assert graficos.color_calor(0) == "#d7301f" and graficos.color_calor(1) == "#1a9850"


def test_texto_escapado_y_etiquetas_largas_recortadas():
    largo = "Ministerio de <Obras> & \"Servicios\" Públicos y Vivienda del Estado Plurinacional"
    g = Grafico("barras_horizontales", "Título <malo> & 'raro'", [largo], [Serie("S", [1])])
    codigo = graficos.svg(g)
    raiz = ET.fromstring(codigo)  # parses: everything escaped
    assert "<Obras>" not in codigo and "<malo>" not in codigo
    titulos = ["".join(t.itertext()) for t in raiz.iter(f"{SVG}title")]
    assert largo in titulos  # the full text is kept for the cut label
    assert any(t.endswith("…") for t in _textos(raiz))


def test_tipo_desconocido():
    with pytest.raises(ValueError):
        graficos.svg(Grafico("torta", "x", [], []))


def test_grafico_sin_datos_no_falla():
    for tipo in ("barras", "barras_horizontales", "lineas", "mapa_calor"):
        ET.fromstring(graficos.svg(Grafico(tipo, "Vacío", [], [])))
        ET.fromstring(graficos.svg(Grafico(tipo, "Nulos", ["a"], [Serie("s", [None])])))


def test_mapas_y_rankings_largos_en_partes_con_una_escala():
    filas = [Serie(f"E{i}", [i % 101, None]) for i in range(65)]
    mapa = Grafico("mapa_calor", "Entidad × dominio", ["5", "6"], filas, formato="entero")
    partes = graficos.partes(mapa)
    assert [len(p.series) for p in partes] == [30, 30, 5]
    assert {p.maximo for p in partes} == {64}  # the whole map's top, not each part's
    assert partes[2].titulo == "Entidad × dominio (3/3)"
    dibujos = graficos.svgs(mapa)
    assert len(dibujos) == 3 and "E64" in _textos(ET.fromstring(dibujos[2]))

    ranking = Grafico("barras_horizontales", "Ranking", [f"E{i}" for i in range(45)],
                      [Serie("Puntaje", [float(i) for i in range(45)])], meta=40)
    partes = graficos.partes(ranking)
    assert [len(p.categorias) for p in partes] == [30, 15]
    assert partes[1].series[0].valores[0] == 30.0 and partes[0].maximo == partes[1].maximo
    assert graficos.partes(Grafico("barras", "x", ["a"], [Serie("s", [1])]))[0].titulo == "x"
