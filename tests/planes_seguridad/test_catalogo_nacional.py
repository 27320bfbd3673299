"""The national control catalog (CTIC-SE-P1 Anexo A): what ships (only what could be
verified, docs/pisi.md), idempotent loading with its mappings to both ISO editions, the
default catalog for new plans, and migrating a plan through the mapping both ways.

The "complete catalog" cases use a synthetic file written by the test (numbering of its own,
titles «Control de prueba …»): the shipped file is partial on purpose."""

import shutil

import pytest
import yaml

from cgii.errores import ErrorValidacion
from planes_seguridad import cargador, cargador_nacional, selectors, services
from planes_seguridad.models import (
    CatalogoControles,
    Control,
    Correspondencia,
    MapeoControles,
)

from .utiles import crear_plan, nacional_completo

pytestmark = pytest.mark.django_db

NACIONAL = cargador_nacional.NACIONAL


def _mapeo(edicion: str) -> dict[str, list[str]]:
    mapeo = MapeoControles.objects.get(codigo=cargador_nacional.MAPEOS[edicion], vigente=True)
    return selectors.correspondencias_de(mapeo)


def _conteos():
    return (CatalogoControles.objects.count(), Control.objects.count(),
            MapeoControles.objects.count(), Correspondencia.objects.count())


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


def test_lo_que_se_entrega_es_solo_lo_verificado(catalogos_pisi):
    cat = CatalogoControles.objects.get(codigo=NACIONAL, vigente=True)
    assert (cat.completo, cat.minimos_verificados) == (False, False)
    assert [(d.numero, d.titulo) for d in cat.dominios.all()] == [
        ("1", "Seguridad en recursos humanos")]
    assert list(cat.dominios.get().objetivos.values_list("numero", "titulo")) == [
        ("1.1", "Términos y condiciones de la relación laboral"),
        ("1.2", "Concientización, educación y formación en seguridad de la información")]
    assert list(cat.controles.values_list("numero", "titulo", "minimo")) == [
        ("1.1.1", "Acuerdo de confidencialidad", False)]
    assert _mapeo(cargador.ISO_2013) == {"1.1.1": ["7.1.2", "13.2.4"]}
    assert _mapeo(cargador.ISO_2022) == {"1.1.1": ["6.2", "6.6"]}
    # A partial catalog is never the default: new plans keep ISO/IEC 27002:2013.
    assert selectors.catalogo_por_defecto().codigo == cargador.ISO_2013


def test_carga_idempotente_con_el_mapeo(copia):
    primera = cargador.cargar_todo(directorio=copia)
    assert sum("mapeo" in c and "CTIC" in c for c in primera) == 2
    antes = _conteos()
    assert cargador.cargar_todo(directorio=copia) == []
    assert _conteos() == antes
    # Reformatting is not a change; editing without a new version is refused, all or nothing.
    _editar(copia / cargador_nacional.ARCHIVO, lambda d: None)
    assert cargador.cargar_todo(directorio=copia) == []
    _editar(copia / cargador_nacional.ARCHIVO,
            lambda d: d["dominios"][0].update(titulo="Otro título"))
    with pytest.raises(ErrorValidacion, match="suba la versión"):
        cargador.cargar_todo(directorio=copia)
    assert _conteos() == antes


def test_version_nueva_completa_es_otra_fila_con_sus_mapeos_y_pasa_a_ser_la_por_defecto(
        copia, rsi_a, entidad_a):
    cargador.cargar_todo(directorio=copia)
    v1 = CatalogoControles.objects.get(codigo=NACIONAL, vigente=True)
    plan_v1 = crear_plan(rsi_a, entidad_a, gestion=2026, catalogo=NACIONAL)
    _editar(copia / cargador_nacional.ARCHIVO, nacional_completo)
    cambios = cargador.cargar_todo(directorio=copia)
    assert any("4 controles (2 mínimos)" in c for c in cambios)
    v2 = CatalogoControles.objects.get(codigo=NACIONAL, vigente=True)
    assert v2.pk != v1.pk and (v2.version, v2.completo, v2.minimos_verificados) == (2, True, True)
    assert set(v2.controles.filter(minimo=True).values_list("numero", flat=True)) == {
        "1.1.1", "2.1.1"}
    assert _mapeo(cargador.ISO_2013)["2.1.2"] == ["10.1.1", "10.1.2"]
    assert _mapeo(cargador.ISO_2022)["2.1.1"] == ["8.13"]
    assert MapeoControles.objects.filter(origen=v1).count() == 2  # the old pair stays
    # The plan keeps the version it was written against; new plans get the complete one.
    assert plan_v1.soa.get().control.catalogo_id == v1.pk
    assert selectors.catalogo_por_defecto() == v2
    nuevo = services.plan_crear(actor=rsi_a, entidad_id=entidad_a.pk, gestion=2027)
    assert nuevo.catalogo_id == v2.pk and nuevo.soa.count() == 4
    assert cargador.cargar_todo(directorio=copia) == []


def test_version_nueva_de_iso_rehace_el_mapeo_nacional(copia):
    cargador.cargar_todo(directorio=copia)

    def v2(d):
        d["version"] = 2
        d["dominios"][0]["titulo"] = "Políticas (v2)"

    _editar(copia / "iso27002_2013.yaml", v2)
    cambios = cargador.cargar_todo(directorio=copia)
    iso_v2 = CatalogoControles.objects.get(codigo=cargador.ISO_2013, vigente=True)
    assert any("CTIC" in c and "mapeo" in c for c in cambios)
    mapeo = MapeoControles.objects.get(codigo=cargador_nacional.MAPEOS[cargador.ISO_2013],
                                       vigente=True)
    assert mapeo.destino_id == iso_v2.pk
    assert selectors.correspondencias_de(mapeo) == {"1.1.1": ["7.1.2", "13.2.4"]}


@pytest.mark.parametrize("romper,mensaje", [
    (lambda d: d["dominios"][0]["objetivos"][0]["controles"][0].update(
        {"iso27002-2013": ["99.9.9"]}), "99.9.9"),
    (lambda d: d["dominios"][0]["objetivos"][0]["controles"][0].update(minimo="sí"),
     "minimo"),
    (lambda d: d["dominios"][0]["objetivos"][0]["controles"][0].update(numero="2.1.1"),
     "no pertenece"),
    (lambda d: d["dominios"][0]["objetivos"][1].pop("controles"), "controles"),
    (lambda d: d.update(codigo="otro"), "codigo"),
])
def test_errores_del_archivo_nacional_no_dejan_nada(copia, romper, mensaje):
    _editar(copia / cargador_nacional.ARCHIVO, romper)
    with pytest.raises(ErrorValidacion, match=mensaje):
        cargador.cargar_todo(directorio=copia)
    assert CatalogoControles.objects.count() == 0  # the ISO catalogs too: one transaction


def test_migrar_un_plan_nacional_a_iso_y_de_iso_al_nacional(copia, rsi_a, entidad_a):
    _editar(copia / cargador_nacional.ARCHIVO, nacional_completo)
    cargador.cargar_todo(directorio=copia)
    plan = crear_plan(rsi_a, entidad_a, catalogo=NACIONAL)
    services.soa_actualizar_lote(actor=rsi_a, plan_id=plan.pk, cambios=[
        {"control": "1.1.1", "aplica": True, "justificacion": "Todo el personal firma."},
        {"control": "2.1.2", "aplica": False, "justificacion": "Sin criptografía propia."}])
    services.plan_migrar_catalogo(actor=rsi_a, plan_id=plan.pk, catalogo=cargador.ISO_2022)
    filas = {f.control.numero: f for f in plan.soa.select_related("control")}
    assert len(filas) == 93
    assert filas["6.6"].aplica is True
    assert filas["8.24"].aplica is False and "2.1.2" in filas["8.24"].justificacion
    assert filas["5.1"].aplica is None  # nothing national maps to it
    # Back to the national catalog: the mapping is read the other way.
    services.plan_migrar_catalogo(actor=rsi_a, plan_id=plan.pk, catalogo=NACIONAL)
    filas = {f.control.numero: f for f in plan.soa.select_related("control")}
    assert set(filas) == {"1.1.1", "1.1.2", "2.1.1", "2.1.2"}
    assert filas["1.1.1"].aplica is True and filas["2.1.2"].aplica is False


def test_la_api_muestra_minimo_ynacional_completo(api, copia, reportante_a):
    _editar(copia / cargador_nacional.ARCHIVO, nacional_completo)
    cargador.cargar_todo(directorio=copia)
    c = api(reportante_a)
    nacional = next(x for x in c.get("/api/v1/pisi/catalogos/").json() if x["codigo"] == NACIONAL)
    assert nacional["completo"] is True and nacional["minimos_verificados"] is True
    controles = c.get(f"/api/v1/pisi/catalogos/{nacional['id']}/controles/").json()
    assert [(x["numero"], x["minimo"]) for x in controles] == [
        ("1.1.1", True), ("1.1.2", False), ("2.1.1", True), ("2.1.2", False)]
