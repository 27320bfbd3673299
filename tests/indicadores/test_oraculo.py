"""Issue 16, finding 1: adding an indicator is no oracle across entities.

Entity A holds ``oracle-red-a.org`` at TLP:RED, confidence 95. Entity B adding the same
value must get back only what is theirs (their sighting, their TLP, their time), through
every door: the add response, the incident's list, the indicator's detail, the incident's
STIX bundle, the feed and TAXII. A must not see anything move because of B. CGII staff keep
the national row and see both sightings.
"""

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear
from incidentes.indicadores import exportacion, stix
from incidentes.indicadores.models import Indicador, IndicadorIncidente
from incidentes.indicadores.taxii import colecciones
from tests.indicadores.utiles import bundle, indicador, json_de

pytestmark = pytest.mark.django_db

VALOR = "oracle-red-a.org"
URL = "/api/v1/incidentes/{}/indicadores/"


def _agregar(cliente, incidente, **datos):
    return cliente.post(URL.format(incidente.pk), datos, format="json")


@pytest.fixture
def de_a(api, incidente, reportante_a):
    """A's sighting at TLP:RED, confidence 95, recorded an hour ago."""
    r = _agregar(api(reportante_a), incidente, valor=VALOR, tlp="red", confianza=95)
    assert r.status_code == 201
    hace_una_hora = timezone.now() - timedelta(hours=1)
    IndicadorIncidente.objects.filter(incidente=incidente).update(
        agregado_en=hace_una_hora, primera_vez=hace_una_hora, ultima_vez=hace_una_hora)
    Indicador.objects.filter(valor=VALOR).update(
        creado=hace_una_hora, modificado=hace_una_hora, valido_desde=hace_una_hora,
        primera_vez=hace_una_hora, ultima_vez=hace_una_hora)
    return hace_una_hora


def _instante(texto: str):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(texto)


def test_b_recibe_solo_lo_suyo_al_agregar(de_a, api, incidente_b, reportante_b):
    antes = timezone.now()
    r = _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="green")
    assert r.status_code == 201
    d = r.json()
    ind = d["indicador"]
    assert d["tlp"] == ind["tlp"] == "green"            # B's TLP, not silently ignored
    assert ind["confianza"] is None and d["confianza"] is None   # not A's 95
    for campo in ("primera_vez", "ultima_vez", "valido_desde"):
        assert _instante(ind[campo]) >= antes, campo     # B's time, not A's first sighting
    assert "red" not in orjson.dumps(d).decode().lower().replace("oracle-red-a", "")
    # The national row is untouched by B's TLP: staff keep A's values.
    nacional = Indicador.objects.get(valor=VALOR)
    assert (nacional.tlp, nacional.confianza) == ("red", 95)
    assert IndicadorIncidente.objects.get(incidente=incidente_b).tlp == "green"


def test_b_pegando_varios_tampoco_ve_lo_de_a(de_a, api, incidente_b, reportante_b):
    r = _agregar(api(reportante_b), incidente_b, valores=f"{VALOR}\notro.example")
    assert r.status_code == 201
    for v in r.json()["agregados"]:
        assert v["indicador"]["tlp"] == incidente_b.tlp == v["tlp"]
        assert v["indicador"]["confianza"] is None


def test_a_no_ve_moverse_nada_por_b(de_a, api, incidente, incidente_b, reportante_a,
                                    reportante_b):
    cliente_a = api(reportante_a)
    lista_antes = cliente_a.get(URL.format(incidente.pk)).json()["results"]
    pk = lista_antes[0]["indicador"]["id"]
    detalle_antes = cliente_a.get(f"/api/v1/indicadores/{pk}/").json()
    assert _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="clear",
                    confianza=10).status_code == 201
    assert cliente_a.get(URL.format(incidente.pk)).json()["results"] == lista_antes
    detalle = cliente_a.get(f"/api/v1/indicadores/{pk}/").json()
    assert detalle == detalle_antes
    assert _instante(detalle["ultima_vez"]) == de_a
    assert (detalle["tlp"], detalle["confianza"]) == ("red", 95)
    assert [i["entidad"]["sigla"] for i in detalle["incidentes"]] == ["MPA"]


def test_detalle_de_b_y_del_personal(de_a, api, incidente, incidente_b, reportante_b,
                                     analista):
    _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="amber", confianza=40)
    pk = Indicador.objects.get(valor=VALOR).pk
    d = api(reportante_b).get(f"/api/v1/indicadores/{pk}/").json()
    assert (d["tlp"], d["confianza"]) == ("amber", 40)
    assert d["stix"]["object_marking_refs"] == [stix.TLP2_IDS["amber"]]
    assert d["stix"]["confidence"] == 40
    assert _instante(d["stix"]["created"]) > de_a
    assert [i["entidad"]["sigla"] for i in d["incidentes"]] == ["GMPB"]
    # Staff: the national row (A's) and both sightings, each with its own TLP.
    personal = api(analista)
    n = personal.get(f"/api/v1/indicadores/{pk}/").json()
    assert (n["tlp"], n["confianza"]) == ("red", 95)
    assert n["correlacion"]["total_entidades"] == 2
    fila = personal.get(URL.format(incidente_b.pk)).json()["results"][0]
    assert fila["tlp"] == "amber" and fila["indicador"]["tlp"] == "red"


def test_bundle_del_incidente_de_b(de_a, api, incidente_b, reportante_b):
    _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="green")
    b = exportacion.bundle_incidente(usuario=reportante_b, incidente_id=incidente_b.pk)
    [ind] = [o for o in b["objects"] if o["type"] == "indicator"]
    assert ind["object_marking_refs"] == [stix.TLP2_IDS["green"]]
    assert "confidence" not in ind
    assert _instante(ind["created"]) > de_a
    assert stix.TLP2_IDS["red"] not in orjson.dumps(b).decode()


def _valores(b):
    return [o["pattern"] for o in b["objects"] if o["type"] == "indicator"]


def test_feed_por_el_tlp_propio(de_a, api, reportante_a, reportante_b, incidente_b):
    _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="amber")
    # B asking for RED learns nothing (A's marking); asking for AMBER gets its own view.
    rojo, _s = exportacion.bundle_feed(usuario=reportante_b, tlps={"red"})
    assert _valores(rojo) == []
    ambar, _s = exportacion.bundle_feed(usuario=reportante_b, tlps={"amber"})
    [o] = [x for x in ambar["objects"] if x["type"] == "indicator"]
    assert o["object_marking_refs"] == [stix.TLP2_IDS["amber"]] and "confidence" not in o
    # A gets its own RED view, unchanged by B.
    rojo_a, _s = exportacion.bundle_feed(usuario=reportante_a, tlps={"red"})
    [o] = [x for x in rojo_a["objects"] if x["type"] == "indicator"]
    assert o["confidence"] == 95 and o["modified"] == stix.ts(de_a)


def test_taxii_ambar_de_b_con_su_marca(de_a, api, reportante_b, entidad_b, incidente_b):
    _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="amber")
    _t, clave = token_crear(usuario=reportante_b, nombre="taxii", entidad=entidad_b)
    c = APIClient(HTTP_ACCEPT="application/taxii+json;version=2.1")
    c.credentials(HTTP_AUTHORIZATION=f"Token {clave}")
    r = c.get(f"/taxii2/cgii/collections/{colecciones.id_amber(entidad_b.pk)}/objects/")
    [o] = orjson.loads(r.content)["objects"]
    assert o["object_marking_refs"] == [stix.TLP2_IDS["amber"]]
    assert _instante(r["X-TAXII-Date-Added-First"]) > de_a
    manifiesto = c.get(f"/taxii2/cgii/collections/{colecciones.id_amber(entidad_b.pk)}/"
                       "manifest/")
    [m] = orjson.loads(manifiesto.content)["objects"]
    assert m["version"] == o["modified"]


def test_importacion_de_b_guarda_su_marca(de_a, reportante_b, incidente_b):
    from incidentes.indicadores.services import stix_importar

    verde = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"   # TLP 1.0 GREEN
    b = bundle(indicador(f"[domain-name:value = '{VALOR}']", confidence=5,
                         object_marking_refs=[verde]))
    stix_importar(actor=reportante_b, contenido=json_de(b), incidente_id=incidente_b.pk)
    v = IndicadorIncidente.objects.get(incidente=incidente_b)
    assert (v.tlp, v.confianza) == ("green", 5)
    assert Indicador.objects.get(valor=VALOR).tlp == "red"


def test_pagina_del_incidente_muestra_el_tlp_propio(de_a, api, incidente_b, reportante_b):
    from django.test import Client

    _agregar(api(reportante_b), incidente_b, valor=VALOR, tlp="green")
    c = Client()
    c.force_login(reportante_b)
    html = c.get(f"/incidentes/{incidente_b.pk}/").content.decode()
    assert "TLP:GREEN" in html and "TLP:RED" not in html
