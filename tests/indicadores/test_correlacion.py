"""Correlation across incidents (staff only, capped, warninglists excluded) and the IOC
lookup (which of the caller's visible incidents saw each value)."""

import pytest

from cgii.errores import PermisoDenegado
from incidentes.indicadores import listas, selectors, services
from incidentes.indicadores.models import Indicador
from incidentes.indicadores.normalizacion import TipoIndicador as T
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("tipo", "valor", "lista"), [
    (T.IPV4, "10.20.30.40", "rangos_reservados"),
    (T.IPV4, "172.16.5.4", "rangos_reservados"),
    (T.IPV4, "192.168.1.0/24", "rangos_reservados"),
    (T.IPV4, "127.0.0.1", "rangos_reservados"),
    (T.IPV4, "169.254.169.254", "rangos_reservados"),
    (T.IPV4, "100.64.1.1", "rangos_reservados"),
    (T.IPV4, "192.0.2.10", "rangos_reservados"),
    (T.IPV4, "198.51.100.10", "rangos_reservados"),
    (T.IPV4, "203.0.113.10", "rangos_reservados"),
    (T.IPV6, "fd00::1", "rangos_reservados"),
    (T.IPV6, "fe80::1", "rangos_reservados"),
    (T.IPV6, "2001:db8::1", "rangos_reservados"),
    (T.IPV6, "::1", "rangos_reservados"),
    (T.IPV4, "8.8.8.8", "resolvers_publicos"),
    (T.IPV4, "1.1.1.1", "resolvers_publicos"),
    (T.IPV4, "9.9.9.9", "resolvers_publicos"),
    (T.IPV6, "2606:4700:4700::1111", "resolvers_publicos"),
    (T.DOMINIO, "google.com", "sitios_principales"),
    (T.DOMINIO, "update.microsoft.com", "sitios_principales"),
    (T.MD5, "d41d8cd98f00b204e9800998ecf8427e", "hashes_conocidos"),
])
def test_valores_en_listas_de_advertencia(tipo, valor, lista):
    assert listas.coincidencia(tipo, valor).codigo == lista


@pytest.mark.parametrize(("tipo", "valor"), [
    (T.IPV4, "45.33.32.156"), (T.IPV4, "11.0.0.1"), (T.IPV4, "8.8.8.9"),
    (T.IPV4, "10.0.0.0/7"),  # wider than 10/8: not inside the list
    (T.IPV6, "2a00:1450::1"), (T.DOMINIO, "google.com.malo.example"),
    (T.DOMINIO, "notgoogle.com"), (T.DOMINIO, "agetic.gob.bo"), (T.DOMINIO, "gob.bo"),
    (T.URL, "https://google.com/malo"), (T.EMAIL, "phisher@gmail.com"),
])
def test_valores_que_no_estan_en_listas(tipo, valor):
    assert listas.coincidencia(tipo, valor) is None


def test_las_listas_son_datos_versionados_y_nunca_gob_bo():
    versiones = {v["codigo"]: v for v in listas.versiones()}
    assert set(versiones) == {"rangos_reservados", "resolvers_publicos", "sitios_principales",
                              "hashes_conocidos"}
    assert all(v["version"] and v["entradas"] > 0 for v in versiones.values())
    dominios = {d for lista in listas.listas() for d in lista.dominios}
    assert not any(d == "gob.bo" or d.endswith(".bo") for d in dominios)


@pytest.fixture
def escenario(catalogos, reportante_a, reportante_b, entidad_a, entidad_b, analista):
    """The same C2 seen by entity A (twice) and entity B; a private IP seen by both."""
    a1 = reportar(reportante_a, entidad_a, titulo="A1")
    a2 = reportar(reportante_a, entidad_a, titulo="A2")
    b1 = reportar(reportante_b, entidad_b, titulo="B1")
    for inc, actor in ((a1, reportante_a), (a2, reportante_a), (b1, reportante_b)):
        services.indicadores_pegar(actor=actor, incidente_id=inc.pk,
                                   texto="c2.malo.example\n10.0.0.5")
    solo_b = reportar(reportante_b, entidad_b, titulo="B2")
    services.indicador_agregar(actor=reportante_b, incidente_id=solo_b.pk,
                               valor="solo-b.example")
    return {"a1": a1, "a2": a2, "b1": b1, "b2": solo_b}


def test_correlacion_para_el_personal(escenario, analista):
    c2 = Indicador.objects.get(valor="c2.malo.example")
    c = selectors.correlacion(usuario=analista, indicador=c2)
    assert c["total_incidentes"] == 3 and c["total_entidades"] == 2
    assert [i["titulo"] for i in c["incidentes"]] == ["B1", "A2", "A1"]    # most recent first
    assert {e["sigla"]: e["incidentes"] for e in c["entidades"]} == {"MPA": 2, "GMPB": 1}


def test_correlacion_acotada_con_total(escenario, analista, settings, reportante_a, entidad_a):
    settings.INDICADORES_CORRELACION_MAX = 2
    c2 = Indicador.objects.get(valor="c2.malo.example")
    c = selectors.correlacion(usuario=analista, indicador=c2)
    assert len(c["incidentes"]) == 2 and c["total_incidentes"] == 3 and c["maximo"] == 2


def test_la_lista_de_advertencia_excluye_de_la_correlacion(escenario, analista):
    privada = Indicador.objects.get(valor="10.0.0.5")
    c = selectors.correlacion(usuario=analista, indicador=privada)
    assert c["lista_advertencia"]["codigo"] == "rangos_reservados"
    assert c["incidentes"] == [] and c["entidades"] == [] and c["total_incidentes"] == 0
    resumen = selectors.correlacion_resumen(usuario=analista, indicadores=[privada])
    assert resumen[privada.pk]["recientes"] == []


def test_resumen_por_incidente_excluye_el_propio(escenario, analista):
    c2 = Indicador.objects.get(valor="c2.malo.example")
    r = selectors.correlacion_resumen(usuario=analista, indicadores=[c2],
                                      excluir_incidente_id=escenario["a1"].pk)
    assert r[c2.pk]["total_incidentes"] == 2 and r[c2.pk]["total_entidades"] == 2
    assert {i["titulo"] for i in r[c2.pk]["recientes"]} == {"A2", "B1"}


def test_las_entidades_nunca_ven_otras_entidades(escenario, reportante_a, reportante_b):
    c2 = Indicador.objects.get(valor="c2.malo.example")
    with pytest.raises(PermisoDenegado):
        selectors.correlacion(usuario=reportante_a, indicador=c2)
    assert selectors.correlacion_resumen(usuario=reportante_a, indicadores=[c2]) == {}
    propios = selectors.vinculos_visibles(usuario=reportante_a, indicador=c2)
    assert {i["titulo"] for i in propios} == {"A1", "A2"}
    assert {i["entidad"]["sigla"] for i in propios} == {"MPA"}
    # An indicator seen only by B does not exist for A.
    from cgii.errores import NoEncontrado

    solo_b = Indicador.objects.get(valor="solo-b.example")
    with pytest.raises(NoEncontrado):
        selectors.indicador_obtener(usuario=reportante_a, indicador_id=solo_b.pk)
    assert selectors.indicador_obtener(usuario=reportante_b, indicador_id=solo_b.pk) == solo_b


def test_buscar_valores_por_usuario(escenario, analista, reportante_a, django_assert_num_queries):
    from cgii.entidades.selectors import es_personal_cgii

    valores = ["c2.malo[.]example", "SOLO-B.example", "10.0.0.5", "nada.example", "???"]
    es_personal_cgii(analista)      # roles are cached per request; the lookup is one query
    with django_assert_num_queries(1):
        personal = selectors.buscar_valores(analista, valores)
    assert [r["total"] for r in personal] == [3, 1, 0, 0, 0]
    assert personal[0]["normalizado"] == "c2.malo.example"
    assert {i["entidad"]["sigla"] for i in personal[0]["incidentes"]} == {"MPA", "GMPB"}
    assert personal[2]["lista_advertencia"]["codigo"] == "rangos_reservados"
    assert personal[4]["error"]
    entidad = selectors.buscar_valores(reportante_a, valores)
    assert [r["total"] for r in entidad] == [2, 0, 0, 0, 0]
    assert {i["entidad"]["sigla"] for i in entidad[0]["incidentes"]} == {"MPA"}
    assert entidad[1]["incidentes"] == []


def test_buscar_acota_por_valor(escenario, analista):
    r = selectors.buscar_valores(analista, ["c2.malo.example"], por_valor=1)
    assert r[0]["total"] == 3 and [i["titulo"] for i in r[0]["incidentes"]] == ["B1"]


@pytest.mark.parametrize("excluir", [None, "a1", "b2"])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_resumen_en_una_sentencia_igual_que_en_dos(escenario, excluir, n):
    # PostgreSQL answers correlacion_resumen in one statement (issue 22); SQLite keeps the
    # two ORM queries. Both must give the same totals and the same recent sightings.
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement form is PostgreSQL's")
    ids = list(Indicador.objects.order_by("pk").values_list("pk", flat=True))
    excluir_id = escenario[excluir].pk if excluir else None

    def vacio():
        return {i: {"lista_advertencia": None, "total_incidentes": 0, "total_entidades": 0,
                    "recientes": []} for i in ids}

    una, dos = vacio(), vacio()
    selectors._correlacion_en_una(una, ids, excluir_id, n)
    selectors._correlacion_en_dos(dos, ids, excluir_id, n)
    assert una == dos
    assert any(r["total_incidentes"] for r in una.values())
