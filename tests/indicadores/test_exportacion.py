"""STIX export: every bundle passes stix2-validator with no errors; the entity Identity
only for TLP:CLEAR/GREEN; the national feed by TLP and date with keyset pages."""

from datetime import timedelta

import orjson
import pytest
import stix2
from django.utils import timezone
from stix2validator import ValidationOptions, validate_instance, validate_string

from cgii.errores import NoEncontrado
from incidentes.indicadores import exportacion, selectors, services, stix
from incidentes.indicadores.models import Indicador
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db


def validar(bundle: dict) -> None:
    """No errors from stix2-validator (warnings such as 'SDO ids SHOULD be UUIDv4' are
    expected: our ids are deterministic UUIDv5 on purpose)."""
    resultado = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert resultado.is_valid, [str(e) for e in resultado.errors]
    texto = validate_string(orjson.dumps(bundle).decode(), ValidationOptions(version="2.1"))
    assert texto.is_valid
    stix2.parse(bundle, allow_custom=True)           # and the reference library reads it


def con_indicadores(incidente, actor):
    services.indicadores_pegar(actor=actor, incidente_id=incidente.pk, texto=[
        "45.33.32.156", "2001:4860::1/48", "hxxps://sigep-gob-bo[.]com/login", "c2.malo.example",
        "soporte@phish.example", "D41D8CD98F00B204E9800998ECF8427E", "a" * 40, "b" * 64, "c" * 128,
        "[process:name = 'mimikatz.exe'] AND [network-traffic:dst_port = 445]"])
    services.indicador_agregar(actor=actor, incidente_id=incidente.pk, valor="45.33.32.157",
                               rol="victima", nota="servidor web afectado")


def por_tipo(bundle, tipo):
    return [o for o in bundle["objects"] if o["type"] == tipo]


def test_incidente_amber_sin_identidad_de_la_entidad(incidente, analista):
    con_indicadores(incidente, analista)
    b = exportacion.bundle_incidente(usuario=analista, incidente_id=incidente.pk)
    validar(b)
    identidades = por_tipo(b, "identity")
    assert [i["id"] for i in identidades] == [exportacion.ID_CGII]
    # 11 values, the empty file's MD5 (warninglisted) never exported (issue 16).
    assert len(por_tipo(b, "indicator")) == 10 and len(por_tipo(b, "sighting")) == 10
    assert len(por_tipo(b, "observed-data")) == 9            # not for the free pattern
    assert "d41d8cd98f00b204e9800998ecf8427e" not in orjson.dumps(b).decode()
    assert all("where_sighted_refs" not in s for s in por_tipo(b, "sighting"))
    relaciones = {r["relationship_type"] for r in por_tipo(b, "relationship")}
    assert relaciones == {"indicates", "related-to"}
    assert all(o.get("created_by_ref") == exportacion.ID_CGII for o in b["objects"]
               if o["type"] not in ("marking-definition", "identity", "ipv4-addr", "ipv6-addr",
                                    "domain-name", "url", "email-addr", "file"))
    marcas = {m["id"] for m in por_tipo(b, "marking-definition")}
    assert stix.TLP2_IDS["amber"] in marcas and stix.TLP2_IDS["clear"] in marcas
    incidente_sdo = por_tipo(b, "incident")[0]
    assert incidente_sdo["object_marking_refs"] == [stix.TLP2_IDS["amber"]]
    # Ids are deterministic: a second export has the same objects.
    otra = exportacion.bundle_incidente(usuario=analista, incidente_id=incidente.pk)
    assert {o["id"] for o in otra["objects"]} == {o["id"] for o in b["objects"]}
    # The SCO ids are the ones the stix2 library computes.
    for o in por_tipo(b, "ipv4-addr"):
        assert o["id"] == stix2.IPv4Address(value=o["value"]).id


@pytest.mark.parametrize("tlp", ["clear", "green"])
def test_incidente_clear_o_green_incluye_la_entidad(catalogos, reportante_a, entidad_a,
                                                    analista, tlp):
    inc = reportar(reportante_a, entidad_a, tlp=tlp)
    con_indicadores(inc, reportante_a)
    b = exportacion.bundle_incidente(usuario=analista, incidente_id=inc.pk)
    validar(b)
    entidad = [i for i in por_tipo(b, "identity") if i["id"] != exportacion.ID_CGII]
    assert [e["name"] for e in entidad] == [entidad_a.nombre]
    assert all(s["where_sighted_refs"] == [entidad[0]["id"]] for s in por_tipo(b, "sighting"))


@pytest.mark.parametrize("tlp", ["amber+strict", "red"])
def test_todos_los_niveles_tlp_validan(catalogos, reportante_a, entidad_a, analista, tlp):
    inc = reportar(reportante_a, entidad_a, tlp=tlp)
    services.indicador_agregar(actor=analista, incidente_id=inc.pk, valor="c2.malo.example",
                               tlp="clear")
    b = exportacion.bundle_incidente(usuario=analista, incidente_id=inc.pk)
    validar(b)
    assert {m["name"] for m in por_tipo(b, "marking-definition")} == {"TLP:CLEAR",
                                                                       "TLP:" + tlp.upper()}


def test_extension_incident_core(incidente, analista, settings):
    settings.INDICADORES_STIX_INCIDENT_CORE = True
    con_indicadores(incidente, analista)
    b = exportacion.bundle_incidente(usuario=analista, incidente_id=incidente.pk)
    validar(b)
    ext = por_tipo(b, "incident")[0]["extensions"][stix.EXTENSION_INCIDENT_CORE]
    assert ext == {"extension_type": "property-extension", "investigation_status": "new",
                   "determination": "suspected"}


def test_entidad_exporta_solo_lo_suyo(incidente, reportante_a, reportante_b, analista):
    con_indicadores(incidente, reportante_a)
    services.indicador_actualizar(actor=analista,
                                  indicador_id=Indicador.objects.get(valor="c2.malo.example").pk,
                                  nombre="Nombre interno del CGII", descripcion="notas internas")
    b = exportacion.bundle_incidente(usuario=reportante_a, incidente_id=incidente.pk)
    validar(b)
    assert "notas internas" not in orjson.dumps(b).decode()
    with pytest.raises(NoEncontrado):
        exportacion.bundle_incidente(usuario=reportante_b, incidente_id=incidente.pk)


def test_exportar_e_importar_da_los_mismos_indicadores(incidente, analista):
    con_indicadores(incidente, analista)
    antes = set(Indicador.objects.values_list("stix_uuid", "tipo", "valor"))
    b = exportacion.bundle_incidente(usuario=analista, incidente_id=incidente.pk)
    imp = services.stix_importar(actor=analista, contenido=orjson.dumps(b))
    assert imp.total_errores == 0 and imp.contadores["indicadores_nuevos"] == 0
    assert set(Indicador.objects.values_list("stix_uuid", "tipo", "valor")) == antes


@pytest.fixture
def nacional(catalogos, reportante_a, reportante_b, entidad_a, entidad_b, analista):
    a = reportar(reportante_a, entidad_a, tlp="amber")
    b = reportar(reportante_b, entidad_b, tlp="amber")
    services.indicadores_pegar(actor=analista, incidente_id=a.pk, tlp="clear",
                               texto=[f"libre{i}.example" for i in range(7)] + ["8.8.8.8"])
    services.indicadores_pegar(actor=analista, incidente_id=a.pk, tlp="green",
                               texto=["verde.example"])
    services.indicador_agregar(actor=reportante_a, incidente_id=a.pk, valor="ambar-a.example")
    services.indicador_agregar(actor=reportante_b, incidente_id=b.pk, valor="ambar-b.example")
    services.indicador_agregar(actor=analista, incidente_id=a.pk, valor="vencido.example",
                               tlp="clear", valido_hasta=timezone.now() + timedelta(seconds=1))
    Indicador.objects.filter(valor="vencido.example").update(
        valido_hasta=timezone.now() - timedelta(days=1))
    services.indicador_actualizar(actor=analista, indicador_id=Indicador.objects.get(
        valor="libre6.example").pk, revocado=True)
    return a, b


def valores_de(b):
    return sorted(o["pattern"].split("'")[1] for o in por_tipo(b, "indicator"))


def test_feed_nacional_por_tlp(nacional, analista, reportante_a):
    todos = {"clear", "green", "amber", "amber+strict", "red"}
    b, siguiente = exportacion.bundle_feed(usuario=analista, tlps=todos)
    validar(b)
    assert siguiente is None
    assert valores_de(b) == ["ambar-a.example", "ambar-b.example"] + [
        f"libre{i}.example" for i in range(6)] + ["verde.example"]   # no 8.8.8.8, revoked, expired
    b, _ = exportacion.bundle_feed(usuario=analista, tlps={"clear"})
    assert valores_de(b) == [f"libre{i}.example" for i in range(6)]
    # An entity: national CLEAR/GREEN, AMBER only from its own incidents.
    b, _ = exportacion.bundle_feed(usuario=reportante_a, tlps=todos)
    validar(b)
    assert "ambar-b.example" not in valores_de(b) and "ambar-a.example" in valores_de(b)
    assert "verde.example" in valores_de(b)


def test_feed_paginado_y_por_fecha(nacional, analista):
    vistos, despues, paginas = [], None, 0
    while True:
        b, despues = exportacion.bundle_feed(usuario=analista, tlps={"clear", "green", "amber"},
                                             limite=3, despues=despues)
        validar(b)
        vistos += valores_de(b)
        paginas += 1
        if despues is None:
            break
        despues = selectors.Cursor.desde_token(despues.token())     # opaque round trip
    # 8.8.8.8 (warninglisted) is skipped while paging: three full pages, no short one.
    assert len(vistos) == len(set(vistos)) == 9 and paginas == 3
    futuro = timezone.now() + timedelta(hours=1)
    b, _ = exportacion.bundle_feed(usuario=analista, tlps={"clear"}, desde=futuro)
    assert por_tipo(b, "indicator") == []
