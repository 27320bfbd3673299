"""The search page, the IOC lookup mode and ``/api/v1/busqueda/`` (database backend; the
behaviour under them is parametrised over both backends in test_comportamiento)."""

import pytest

from incidentes.indicadores.services import vinculos
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db


@pytest.fixture
def datos(settings, catalogos, reportante_a, reportante_b, entidad_a, entidad_b, analista,
          despachar):
    from cgii.busqueda import backends

    settings.BUSQUEDA_BACKEND = "database"
    backends.olvidar_backends()
    a = reportar(reportante_a, entidad_a, titulo="Ransomware en el servidor de archivos",
                 descripcion="Cifraron la unidad compartida; nota de rescate <b>LockBit</b>.")
    b = reportar(reportante_b, entidad_b, titulo="Ransomware en la alcaldía")
    vinculos.indicadores_pegar(actor=analista, incidente_id=a.pk, texto="45.133.1.20")
    despachar()
    return {"a": a, "b": b}


def test_page_results_facets_and_highlights(datos, client, reportante_a):
    client.force_login(reportante_a)
    r = client.get("/busqueda/", {"q": "ransomware"})
    assert r.status_code == 200
    html = r.content.decode()
    assert datos["a"].codigo in html and datos["b"].codigo not in html
    assert "<mark>Ransomware</mark>" in html
    assert "<b>LockBit" not in html  # the document's own HTML is never interpreted
    assert 'id="q-global"' in client.get("/incidentes/").content.decode()  # header box
    assert "Estado" in html and "Reportado" in html
    # the hit's state badge is labelled as on the incident pages, not the stored code
    assert '<span class="estado reportado">Reportado</span>' in html
    assert f'href="/incidentes/{datos["a"].pk}/"' in html
    assert "<script>" not in html.split("<main")[1].split("</main>")[0]


def test_page_facet_links_filter(datos, client, analista):
    from tests.entidades.sesiones import iniciar_sesion_verificada

    iniciar_sesion_verificada(client, analista)
    r = client.get("/busqueda/", {"q": "ransomware", "entidad": datos["a"].entidad_id})
    html = r.content.decode()
    assert r.status_code == 200
    assert datos["a"].codigo in html and datos["b"].codigo not in html
    assert "Quitar filtros" in html


def test_ioc_mode(datos, client, reportante_a, reportante_b):
    client.force_login(reportante_a)
    r = client.post("/busqueda/", {"modo": "ioc",
                                   "valores": "45.133.1[.]20\nejemplo-inexistente.bo\nnada"})
    html = r.content.decode()
    assert r.status_code == 200
    assert datos["a"].codigo in html and "45.133.1.20" in html
    assert "· Reportado ·" in html  # the state as the incident pages name it
    client.force_login(reportante_b)
    html = client.post("/busqueda/", {"modo": "ioc", "valores": "45.133.1.20"}).content.decode()
    assert datos["a"].codigo not in html and "Ningún incidente" in html


def test_api_search_and_ioc(datos, api, reportante_a, reportante_b, analista):
    c = api(reportante_a)
    r = c.get("/api/v1/busqueda/", {"q": "ransomware"})
    assert r.status_code == 200
    cuerpo = r.json()
    assert cuerpo["total"] == 1 and cuerpo["resultados"][0]["id"] == datos["a"].pk
    assert "<mark>" in cuerpo["resultados"][0]["resaltado"]["titulo"][0]
    assert cuerpo["resultados"][0]["estado"] == "reportado"
    assert cuerpo["resultados"][0]["estado_etiqueta"] == "Reportado"
    assert {v["valor"] for v in cuerpo["facetas"]["entidad"]} == {str(datos["a"].entidad_id)}
    r = api(analista).get("/api/v1/busqueda/", {"q": "ransomware", "tipo": "incidente"})
    assert r.json()["total"] == 2
    r = api(reportante_b).post("/api/v1/busqueda/", {"valores": ["45.133.1.20"]},
                               format="json")
    assert r.status_code == 200 and r.json()["resultados"][0]["total"] == 0
    r = c.post("/api/v1/busqueda/", {"valores": "45.133.1.20"}, format="json")
    assert r.json()["con_incidentes"] == 1
    assert c.post("/api/v1/busqueda/", {"valores": ""}, format="json").status_code == 400


def test_api_requires_login(client):
    assert client.get("/api/v1/busqueda/", {"q": "x"}).status_code in (401, 403)
    assert client.get("/busqueda/").status_code == 302
