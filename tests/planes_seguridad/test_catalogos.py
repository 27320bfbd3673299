"""ISO/IEC 27002 catalogs: exact counts and numbering, idempotent versioned loading."""

import shutil
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from cgii.errores import ErrorValidacion
from planes_seguridad import cargador, selectors
from planes_seguridad.models import (
    CatalogoControles,
    Control,
    Correspondencia,
    Dominio,
    MapeoControles,
    Objetivo,
)

pytestmark = pytest.mark.django_db

# ISO/IEC 27002:2013: controls and objectives per domain (5–18).
CONTROLES_2013 = {"5": 2, "6": 7, "7": 6, "8": 10, "9": 14, "10": 2, "11": 15, "12": 14,
                  "13": 7, "14": 13, "15": 5, "16": 7, "17": 4, "18": 8}
OBJETIVOS_2013 = {"5": 1, "6": 2, "7": 3, "8": 3, "9": 4, "10": 1, "11": 2, "12": 7, "13": 2,
                  "14": 3, "15": 2, "16": 1, "17": 2, "18": 2}
# ISO/IEC 27002:2022: controls per theme.
CONTROLES_2022 = {"5": 37, "6": 8, "7": 14, "8": 34}
NUEVOS_2022 = {"5.7", "5.23", "5.30", "7.4", "8.9", "8.10", "8.11", "8.12", "8.16", "8.23",
               "8.28"}


@pytest.fixture
def copia(tmp_path):
    if cargador.faltantes():
        pytest.skip("Faltan los catálogos YAML de controles")
    destino = tmp_path / "catalogos"
    shutil.copytree(cargador.DIRECTORIO, destino)
    return destino


def _editar(ruta, cambio):
    datos = yaml.safe_load(ruta.read_text())
    cambio(datos)
    ruta.write_text(yaml.safe_dump(datos, allow_unicode=True, sort_keys=False))


def _conteos():
    return tuple(m.objects.count() for m in (CatalogoControles, Dominio, Objetivo, Control,
                                             MapeoControles, Correspondencia))


def test_2013_tiene_14_dominios_35_objetivos_y_114_controles(catalogos_pisi):
    cat = CatalogoControles.objects.get(codigo=cargador.ISO_2013, vigente=True)
    assert cat.dominios.count() == 14
    assert Objetivo.objects.filter(dominio__catalogo=cat).count() == 35
    assert cat.controles.count() == 114
    por_dominio = {d.numero: (d.controles.count(), d.objetivos.count())
                   for d in cat.dominios.all()}
    assert por_dominio == {n: (CONTROLES_2013[n], OBJETIVOS_2013[n]) for n in CONTROLES_2013}
    assert [d.numero for d in cat.dominios.order_by("orden")] == [str(n) for n in range(5, 19)]
    # Every control sits under its objective, which sits under its domain.
    for c in cat.controles.select_related("objetivo", "dominio"):
        assert c.objetivo.numero.startswith(c.dominio.numero + ".")
        assert c.numero.startswith(c.objetivo.numero + ".")
    numeros = list(selectors.controles_de(cat).values_list("numero", flat=True))
    assert numeros[:3] == ["5.1.1", "5.1.2", "6.1.1"] and numeros[-1] == "18.2.3"
    assert "12.6.2" in numeros and "9.4.5" in numeros


def test_2022_tiene_4_temas_y_93_controles_con_atributos(catalogos_pisi):
    cat = CatalogoControles.objects.get(codigo=cargador.ISO_2022, vigente=True)
    assert cat.controles.count() == 93
    temas = {d.numero: d.controles.count() for d in cat.dominios.all()}
    assert temas == CONTROLES_2022
    assert not Objetivo.objects.filter(dominio__catalogo=cat).exists()
    numeros = set(cat.controles.values_list("numero", flat=True))
    esperados = {f"{t}.{i}" for t, n in CONTROLES_2022.items() for i in range(1, n + 1)}
    assert numeros == esperados
    for clave in cargador.ATRIBUTOS_2022:
        assert cat.atributos[clave], clave
    vocabulario = {k: set(v) for k, v in cat.atributos.items()}
    for c in cat.controles.all():
        for clave in cargador.ATRIBUTOS_2022:
            assert c.atributos[clave], (c.numero, clave)
            assert set(c.atributos[clave]) <= vocabulario[clave]
    assert set(vocabulario["tipo_control"]) == {"preventivo", "detectivo", "correctivo"}
    assert set(vocabulario["propiedades"]) == {"confidencialidad", "integridad",
                                               "disponibilidad"}


def test_mapeo_cubre_los_114_y_marca_los_11_nuevos(catalogos_pisi):
    mapeo = MapeoControles.objects.get(codigo=cargador.MAPEO, vigente=True)
    assert (mapeo.origen.codigo, mapeo.destino.codigo) == (cargador.ISO_2013, cargador.ISO_2022)
    correspondencias = selectors.correspondencias_de(mapeo)
    assert len(correspondencias) == 114
    assert set(mapeo.nuevos) == NUEVOS_2022
    destinos = {d for ds in correspondencias.values() for d in ds}
    todos_2022 = set(mapeo.destino.controles.values_list("numero", flat=True))
    assert destinos | NUEVOS_2022 == todos_2022
    assert not destinos & NUEVOS_2022
    assert correspondencias["18.2.3"] == ["5.36", "8.8"]
    assert correspondencias["5.1.1"] == ["5.1"]


def test_cargar_dos_veces_no_cambia_nada_y_lo_dice():
    if cargador.faltantes():
        pytest.skip("Faltan los catálogos YAML de controles")
    primera, segunda = StringIO(), StringIO()
    call_command("cargar_catalogos", stdout=primera)
    antes = _conteos()
    call_command("cargar_catalogos", stdout=segunda)
    # Three ISO changes, the national catalog and its two mappings, the threat and
    # vulnerability catalogs and the risk matrix.
    assert "planes_seguridad: 9 cambio(s)" in primera.getvalue()
    assert "114 controles" in primera.getvalue() and "93 controles" in primera.getvalue()
    assert "catálogo parcial" in primera.getvalue()
    assert "planes_seguridad: sin cambios" in segunda.getvalue()
    assert "no se cambió nada" in segunda.getvalue()
    # ISO: 2 catalogs, 18 domains, 35 objectives, 207 controls, 1 mapping, 115 rows; the
    # national file: 1 domain, 2 objectives, 1 control, 2 mappings with 2 rows each.
    assert _conteos() == antes == (3, 19, 37, 208, 3, 119)


def test_reformatear_el_archivo_no_es_un_cambio(copia):
    cargador.cargar_todo(directorio=copia)
    _editar(copia / "iso27002_2013.yaml", lambda d: None)  # same data, other layout
    assert cargador.cargar_todo(directorio=copia) == []


def test_version_anterior_se_rechaza(copia):
    _editar(copia / "iso27002_2022.yaml", lambda d: d.update(version=3))
    cargador.cargar_todo(directorio=copia)
    _editar(copia / "iso27002_2022.yaml", lambda d: d.update(version=2))
    with pytest.raises(ErrorValidacion, match="anterior a la cargada"):
        cargador.cargar_todo(directorio=copia)
    assert CatalogoControles.objects.get(codigo=cargador.ISO_2022, vigente=True).version == 3


def test_contenido_cambiado_sin_subir_version_se_rechaza_y_no_deja_nada(copia):
    cargador.cargar_todo(directorio=copia)
    antes = _conteos()

    def cambio(d):
        d["dominios"][0]["titulo"] = "Otro título"

    _editar(copia / "iso27002_2013.yaml", cambio)
    with pytest.raises(ErrorValidacion, match="suba la versión"):
        cargador.cargar_todo(directorio=copia)
    assert _conteos() == antes


def test_version_nueva_es_otra_fila_y_el_mapeo_se_rehace(copia, catalogos_pisi, rsi_a,
                                                         entidad_a):
    from .utiles import crear_plan

    plan = crear_plan(rsi_a, entidad_a)
    v1 = CatalogoControles.objects.get(codigo=cargador.ISO_2013, vigente=True)

    def v2(d):
        d["version"] = 2
        d["dominios"][0]["objetivos"][0]["controles"][0]["titulo"] = "Políticas (v2)"

    _editar(copia / "iso27002_2013.yaml", v2)
    cambios = cargador.cargar_todo(directorio=copia)
    assert any("v2" in c for c in cambios) and any("mapeo" in c for c in cambios)
    v2_cat = CatalogoControles.objects.get(codigo=cargador.ISO_2013, vigente=True)
    assert v2_cat.pk != v1.pk and v2_cat.version == 2
    assert CatalogoControles.objects.get(pk=v1.pk).vigente is False
    assert v2_cat.controles.get(numero="5.1.1").titulo == "Políticas (v2)"
    # The plan keeps the version it was written against.
    assert plan.soa.first().control.catalogo_id == v1.pk
    assert MapeoControles.objects.filter(origen=v2_cat, vigente=True).count() == 1
    assert cargador.cargar_todo(directorio=copia) == []


@pytest.mark.parametrize("romper,mensaje", [
    (lambda d: d["dominios"][0]["objetivos"][0]["controles"][0].update(numero=5.1),
     "entre comillas"),
    (lambda d: d["dominios"][0]["objetivos"][0]["controles"][1].update(numero="5.1.1"),
     "repetido"),
    (lambda d: d["dominios"][1]["objetivos"][0]["controles"][0].update(numero="7.1.1"),
     "no pertenece"),
    (lambda d: d.update(codigo="otro"), "codigo"),
])
def test_errores_de_estructura_2013(copia, romper, mensaje):
    _editar(copia / "iso27002_2013.yaml", romper)
    with pytest.raises(ErrorValidacion, match=mensaje):
        cargador.cargar_todo(directorio=copia)
    assert CatalogoControles.objects.count() == 0


def test_atributo_fuera_del_vocabulario_se_rechaza(copia):
    _editar(copia / "iso27002_2022.yaml",
            lambda d: d["temas"][0]["controles"][0].update(tipo_control=["ofensivo"]))
    with pytest.raises(ErrorValidacion, match="ofensivo"):
        cargador.cargar_todo(directorio=copia)


def test_mapeo_con_control_desconocido_se_rechaza(copia):
    _editar(copia / "mapeo_2013_2022.yaml",
            lambda d: d["correspondencias"].update({"5.1.1": ["9.99"]}))
    with pytest.raises(ErrorValidacion, match="9.99"):
        cargador.cargar_todo(directorio=copia)
    assert CatalogoControles.objects.count() == 0  # all or nothing


def test_sin_archivos_se_omite_con_aviso(tmp_path):
    salida = StringIO()
    assert cargador.cargar_todo(stdout=salida, directorio=tmp_path) == []
    assert "faltan catálogos" in salida.getvalue()


def test_la_api_lista_catalogos_y_controles(api, catalogos_pisi, reportante_a):
    c = api(reportante_a)
    catalogos = c.get("/api/v1/pisi/catalogos/").json()
    assert {(x["codigo"], x["n_controles"], x["completo"]) for x in catalogos} == {
        (cargador.ISO_2013, 114, True), (cargador.ISO_2022, 93, True),
        ("ctic-se-p1", 1, False)}
    cat_2022 = next(x for x in catalogos if x["codigo"] == cargador.ISO_2022)
    controles = c.get(f"/api/v1/pisi/catalogos/{cat_2022['id']}/controles/").json()
    assert len(controles) == 93
    assert controles[0]["numero"] == "5.1" and controles[0]["atributos"]["tipo_control"]
    assert c.get("/api/v1/pisi/catalogos/999999/controles/").status_code == 404
