"""Issue 16, finding 7: warninglisted values are never exported, fed or published over
TAXII, whatever door added them, and the analyst sees why. Finding 5: TAXII pages, their
date headers and ``next`` never describe a withheld object."""

import base64

import orjson
import pytest
from django.test import Client
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear
from incidentes.indicadores import exportacion, services
from incidentes.indicadores.models import Indicador
from incidentes.indicadores.services import stix_importar
from incidentes.indicadores.taxii import colecciones
from tests.entidades.sesiones import ingresar
from tests.indicadores.utiles import bundle, indicador, json_de

pytestmark = pytest.mark.django_db

VACIO = "d41d8cd98f00b204e9800998ecf8427e"      # MD5 of the empty file: hashes_conocidos


def _patrones(b):
    return [o["pattern"] for o in b["objects"] if o["type"] == "indicator"]


@pytest.mark.parametrize("puerta", ["pegar", "uno", "importar"])
def test_ninguna_puerta_lo_exporta(puerta, incidente, analista):
    if puerta == "pegar":
        services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                                   texto=f"{VACIO}\nmalo.example", tlp="clear")
    elif puerta == "uno":
        services.indicador_agregar(actor=analista, incidente_id=incidente.pk, valor=VACIO,
                                   tlp="clear")
        services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                   valor="malo.example", tlp="clear")
    else:
        b = bundle(indicador(f"[file:hashes.MD5 = '{VACIO}']"),
                   indicador("[domain-name:value = 'malo.example']"))
        stix_importar(actor=analista, contenido=json_de(b), incidente_id=incidente.pk,
                      tlp="clear")
    Indicador.objects.update(tlp="clear")
    recibido = orjson.dumps(exportacion.bundle_incidente(usuario=analista,
                                                         incidente_id=incidente.pk)).decode()
    assert VACIO not in recibido and "malo.example" in recibido
    feed, _s = exportacion.bundle_feed(usuario=analista, tlps={"clear"})
    assert all(VACIO not in p for p in _patrones(feed))
    assert any("malo.example" in p for p in _patrones(feed))


def test_el_analista_ve_por_que(incidente, analista):
    c = ingresar(APIClient(), analista)
    r = c.post(f"/api/v1/incidentes/{incidente.pk}/indicadores/",
               {"valores": f"{VACIO}\nmalo.example"}, format="json")
    filas = {v["indicador"]["valor"]: v for v in r.json()["agregados"]}
    assert filas[VACIO]["exportable"] is False
    assert filas[VACIO]["indicador"]["lista_advertencia"]["codigo"] == "hashes_conocidos"
    assert filas["malo.example"]["exportable"] is True
    pagina = ingresar(Client(), analista)
    r = pagina.post(f"/incidentes/{incidente.pk}/accion/indicadores_pegar/",
                    {"valores": "8.8.8.8"}, follow=True)
    html = r.content.decode()
    assert "no se exporta" in html and "lista de advertencia" in html


def test_taxii_no_describe_lo_retenido(incidente, analista):
    """Two warninglisted values sort first: the first page holds only published objects,
    its dates and its ``next`` are those of published objects, and nothing repeats."""
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                               texto=f"{VACIO}\n8.8.8.8", tlp="clear")
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                               texto="\n".join(f"v{i}.malo.example" for i in range(3)),
                               tlp="clear")
    retenidos = {i.pk: i for i in Indicador.objects.filter(valor__in=[VACIO, "8.8.8.8"])}
    _t, clave = token_crear(usuario=analista, nombre="taxii", segundo_factor=True)
    c = APIClient(HTTP_ACCEPT="application/taxii+json;version=2.1")
    c.credentials(HTTP_AUTHORIZATION=f"Token {clave}")
    url = f"/taxii2/cgii/collections/{colecciones.ID_CLEAR}/objects/"
    vistos, token, fechas_retenidas = [], None, {i.modificado for i in retenidos.values()}
    while True:
        r = c.get(url, {"limit": 1, **({"next": token} if token else {})})
        b = orjson.loads(r.content)
        assert len(b["objects"]) == 1            # never an empty page with more: true
        vistos += [o["pattern"] for o in b["objects"]]
        if not b["more"]:
            break
        token = b["next"]
        fecha, _sep, ident = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)) \
            .decode().partition("|")
        assert int(ident) not in retenidos
    assert len(vistos) == len(set(vistos)) == 3
    assert all("malo.example" in p for p in vistos)
    assert fechas_retenidas   # (the withheld rows exist and were skipped)
