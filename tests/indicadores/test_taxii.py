"""TAXII 2.1 server: discovery, collections by TLP and entity, keyset pages, match filters,
manifest/versions, media types and TAXII errors, and the inbox → status."""

from datetime import timedelta

import orjson
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear
from incidentes.indicadores import services
from incidentes.indicadores.models import Indicador
from incidentes.indicadores.taxii import colecciones
from tests.indicadores.utiles import indicador

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"
RAIZ = "/taxii2/cgii/"


def cliente(usuario, entidad=None):
    _t, clave = token_crear(usuario=usuario, nombre="taxii", entidad=entidad,
                             alcance="escritura", segundo_factor=True)
    c = APIClient(HTTP_ACCEPT=TAXII)
    c.credentials(HTTP_AUTHORIZATION=f"Token {clave}")
    return c


def objetos(c, coleccion_id, **params):
    return c.get(f"{RAIZ}collections/{coleccion_id}/objects/", params)


def cuerpo(r):
    return orjson.loads(r.content)


@pytest.fixture
def datos(incidente, incidente_b, reportante_a, reportante_b, analista):
    """CLEAR, GREEN, AMBER (one per entity) and RED indicators."""
    for n in range(5):
        services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                   valor=f"clear-{n}.malo.example", tlp="clear")
    services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                               valor="verde.malo.example", tlp="green")
    services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                               valor="ambar-a.malo.example", tlp="amber")
    services.indicador_agregar(actor=reportante_b, incidente_id=incidente_b.pk,
                               valor="ambar-b.malo.example", tlp="amber")
    services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                               valor="rojo.malo.example", tlp="red")


def patrones(r):
    return sorted(o["pattern"] for o in cuerpo(r)["objects"])


def test_descubrimiento_raiz_y_tipo_de_contenido(reportante_a, entidad_a):
    c = cliente(reportante_a, entidad_a)
    r = c.get("/taxii2/")
    assert r.status_code == 200
    assert r["Content-Type"] == TAXII
    assert cuerpo(r)["api_roots"] == ["http://testserver/taxii2/cgii/"]
    r = c.get(RAIZ)
    assert cuerpo(r)["versions"] == [TAXII]
    assert c.get(RAIZ, HTTP_ACCEPT="application/json").status_code == 200
    r = c.get(RAIZ, HTTP_ACCEPT="text/html")
    assert r.status_code == 406
    assert set(cuerpo(r)) == {"title", "description", "http_status"}
    assert c.get(RAIZ, HTTP_ACCEPT="application/taxii+json;version=2.0").status_code == 406
    anonimo = APIClient().get(RAIZ, HTTP_ACCEPT=TAXII)
    assert anonimo.status_code == 401 and cuerpo(anonimo)["http_status"] == "401"


def test_colecciones_por_usuario(reportante_a, entidad_a, entidad_b, analista):
    ids = {c["id"] for c in cuerpo(cliente(reportante_a, entidad_a)
                                   .get(f"{RAIZ}collections/"))["collections"]}
    assert ids == {colecciones.ID_CLEAR, colecciones.ID_GREEN, colecciones.ID_INBOX,
                   colecciones.id_amber(entidad_a.pk)}
    staff = {c["id"] for c in cuerpo(cliente(analista).get(f"{RAIZ}collections/"))
             ["collections"]}
    assert {colecciones.id_amber(entidad_a.pk), colecciones.id_amber(entidad_b.pk)} <= staff
    # Deterministic ids.
    assert colecciones.id_amber(entidad_a.pk) == colecciones.id_amber(entidad_a.pk)


def test_tlp_por_coleccion_y_rojo_nunca(datos, reportante_a, entidad_a, entidad_b, analista):
    c = cliente(reportante_a, entidad_a)
    clear = patrones(objetos(c, colecciones.ID_CLEAR))
    assert len(clear) == 5 and all("clear-" in p for p in clear)
    assert patrones(objetos(c, colecciones.ID_GREEN)) == [
        "[domain-name:value = 'verde.malo.example']"]
    assert patrones(objetos(c, colecciones.id_amber(entidad_a.pk))) == [
        "[domain-name:value = 'ambar-a.malo.example']"]
    staff = cliente(analista)
    todos = []
    for cid in [colecciones.ID_CLEAR, colecciones.ID_GREEN, colecciones.id_amber(entidad_a.pk),
                colecciones.id_amber(entidad_b.pk)]:
        todos += patrones(objetos(staff, cid))
    assert len(todos) == 8
    assert not any("rojo" in p for p in todos)
    assert Indicador.objects.filter(tlp="red").exists()


def test_amber_de_otra_entidad_no_se_lee(datos, reportante_a, entidad_a, entidad_b):
    c = cliente(reportante_a, entidad_a)
    ajena = colecciones.id_amber(entidad_b.pk)
    for url in (f"{RAIZ}collections/{ajena}/", f"{RAIZ}collections/{ajena}/objects/",
                f"{RAIZ}collections/{ajena}/manifest/"):
        r = c.get(url)
        assert r.status_code == 404, url
        assert cuerpo(r)["http_status"] == "404"
    ind = Indicador.objects.get(valor="ambar-b.malo.example")
    assert c.get(f"{RAIZ}collections/{ajena}/objects/{ind.stix_id}/").status_code == 404
    # Not through its own AMBER collection either.
    propia = colecciones.id_amber(entidad_a.pk)
    assert c.get(f"{RAIZ}collections/{propia}/objects/{ind.stix_id}/").status_code == 404


def test_usuario_sin_entidad_no_ve_green(datos, db):
    from tests.factories import crear_usuario

    suelto = crear_usuario(username="suelto")
    c = APIClient()
    c.force_login(suelto)
    ids = {x["id"] for x in cuerpo(c.get(f"{RAIZ}collections/", HTTP_ACCEPT=TAXII))
           ["collections"]}
    assert colecciones.ID_CLEAR in ids and colecciones.ID_GREEN not in ids
    assert objetos(c, colecciones.ID_GREEN, HTTP_ACCEPT=TAXII).status_code == 404


def test_paginas_next_y_added_after_estables(datos, reportante_a, entidad_a):
    c = cliente(reportante_a, entidad_a)
    vistos, token, paginas = [], None, 0
    while True:
        params = {"limit": 2, **({"next": token} if token else {})}
        r = objetos(c, colecciones.ID_CLEAR, **params)
        assert r.status_code == 200
        assert r["X-TAXII-Date-Added-First"] <= r["X-TAXII-Date-Added-Last"]
        b = cuerpo(r)
        vistos += [o["id"] for o in b["objects"]]
        paginas += 1
        if not b["more"]:
            assert "next" not in b
            break
        token = b["next"]
    assert paginas == 3 and len(vistos) == len(set(vistos)) == 5
    # The same token gives the same page again (stateless: any worker answers it).
    primera = cuerpo(objetos(c, colecciones.ID_CLEAR, limit=2))
    otra = cuerpo(objetos(c, colecciones.ID_CLEAR, limit=2, next=primera["next"]))
    otra_vez = cuerpo(objetos(c, colecciones.ID_CLEAR, limit=2, next=primera["next"]))
    assert otra == otra_vez
    # added_after = the last X-TAXII-Date-Added-Last: nothing new, then only what changed.
    ultimo = objetos(c, colecciones.ID_CLEAR)["X-TAXII-Date-Added-Last"]
    assert patrones(objetos(c, colecciones.ID_CLEAR, added_after=ultimo)) == []
    Indicador.objects.filter(valor="clear-0.malo.example").update(
        modificado=timezone.now() + timedelta(seconds=5))
    assert patrones(objetos(c, colecciones.ID_CLEAR, added_after=ultimo)) == [
        "[domain-name:value = 'clear-0.malo.example']"]
    # An issued token still continues where it was (the changed row moved to the end).
    resto = cuerpo(objetos(c, colecciones.ID_CLEAR, limit=10, next=primera["next"]))
    assert resto["objects"][-1]["pattern"] == "[domain-name:value = 'clear-0.malo.example']"
    assert objetos(c, colecciones.ID_CLEAR, next="basura!").status_code == 400
    assert objetos(c, colecciones.ID_CLEAR, added_after="ayer").status_code == 400


def test_match_manifest_versiones_y_objeto(datos, reportante_a, entidad_a):
    c = cliente(reportante_a, entidad_a)
    ind = Indicador.objects.get(valor="clear-1.malo.example")
    otro = Indicador.objects.get(valor="clear-2.malo.example")
    r = objetos(c, colecciones.ID_CLEAR, **{"match[id]": f"{ind.stix_id},{otro.stix_id}"})
    assert len(cuerpo(r)["objects"]) == 2
    assert cuerpo(objetos(c, colecciones.ID_CLEAR, **{"match[type]": "malware"}))[
        "objects"] == []
    assert len(cuerpo(objetos(c, colecciones.ID_CLEAR,
                              **{"match[type]": "indicator,malware"}))["objects"]) == 5
    assert cuerpo(objetos(c, colecciones.ID_CLEAR, **{"match[spec_version]": "2.0"}))[
        "objects"] == []
    for v in ("last", "first", "all"):
        assert len(cuerpo(objetos(c, colecciones.ID_CLEAR, **{"match[version]": v}))
                   ["objects"]) == 5
    base = f"{RAIZ}collections/{colecciones.ID_CLEAR}"
    obj = cuerpo(c.get(f"{base}/objects/{ind.stix_id}/"))["objects"]
    assert [o["id"] for o in obj] == [ind.stix_id]
    version = obj[0]["modified"]
    r = c.get(f"{base}/objects/{ind.stix_id}/", {"match[version]": version})
    assert len(cuerpo(r)["objects"]) == 1
    r = c.get(f"{base}/objects/{ind.stix_id}/", {"match[version]": "2020-01-01T00:00:00.000Z"})
    assert r.status_code == 404
    assert cuerpo(c.get(f"{base}/objects/{ind.stix_id}/versions/"))["versions"] == [version]
    manifiesto = cuerpo(c.get(f"{base}/manifest/", {"limit": 3}))
    assert len(manifiesto["objects"]) == 3 and manifiesto["more"] is True
    assert set(manifiesto["objects"][0]) == {"id", "date_added", "version", "media_type"}
    assert c.get(f"{base}/objects/indicator--nope/").status_code == 404


def test_inbox_importa_y_estado(analista, reportante_a, entidad_a, incidente):
    c = cliente(analista)
    url = f"{RAIZ}collections/{colecciones.ID_INBOX}/objects/"
    bueno = indicador("[ipv4-addr:value = '203.0.113.77']")
    malo = {"type": "indicator", "id": "indicator--x"}
    r = c.post(url, orjson.dumps({"objects": [bueno, malo]}), content_type=TAXII)
    assert r.status_code == 202, r.content
    estado = cuerpo(r)
    assert estado["status"] == "complete"
    assert (estado["total_count"], estado["success_count"], estado["failure_count"]) == (2, 1, 1)
    assert Indicador.objects.filter(valor="203.0.113.77").exists()
    r = c.get(f"{RAIZ}status/{estado['id']}/")
    assert cuerpo(r)["success_count"] == 1
    # Another user does not see that status.
    ajeno = cliente(reportante_a, entidad_a)
    assert ajeno.get(f"{RAIZ}status/{estado['id']}/").status_code == 404
    # Entities send into one of their incidents (?incidente=); without it, 403.
    sobre = orjson.dumps({"objects": [indicador("[ipv4-addr:value = '203.0.113.78']")]})
    assert ajeno.post(url, sobre, content_type=TAXII).status_code == 403
    r = ajeno.post(f"{url}?incidente={incidente.pk}", sobre, content_type=TAXII)
    assert r.status_code == 202 and cuerpo(r)["success_count"] == 1
    # Read-only collections refuse writes; the inbox refuses reads; bad media type → 415.
    assert c.post(f"{RAIZ}collections/{colecciones.ID_CLEAR}/objects/", sobre,
                  content_type=TAXII).status_code == 403
    assert c.get(url).status_code == 403
    assert c.post(url, sobre, content_type="text/plain").status_code == 415
    assert c.post(url, b'{"nada": 1}', content_type=TAXII).status_code == 400


def test_borrar_objeto_revoca_solo_el_cgii(datos, reportante_a, entidad_a, analista, auditor):
    ind = Indicador.objects.get(valor="clear-3.malo.example")
    url = f"{RAIZ}collections/{colecciones.ID_CLEAR}/objects/{ind.stix_id}/"
    r = cliente(reportante_a, entidad_a).delete(url)
    assert r.status_code == 403 and cuerpo(r)["http_status"] == "403"
    assert cliente(auditor).delete(url).status_code == 403     # staff without managing role
    assert cliente(analista).delete(url).status_code == 200
    ind.refresh_from_db()
    assert ind.revocado
    assert cliente(analista).get(url).status_code == 404
    assert cliente(analista).delete(url).status_code == 404
