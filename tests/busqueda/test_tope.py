"""The database backend's capped candidate set (conf.TOPE_CANDIDATOS): past the cap the total
says "more than" (``total_exacto`` false) in results, API and page; exact keys are always in
the set; visibility holds inside the cap; a recognised IOC skips the trigram scans; a text
search is a fixed number of statements. The cap is lowered to a few documents here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cgii.busqueda import backends, buscar, conf
from incidentes.indicadores.services import vinculos
from tests.incidentes.utiles import reportar

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'",
                       reason="the cap is the PostgreSQL statement's; SQLite counts exactly"),
]


@pytest.fixture
def datos(settings, monkeypatch, catalogos, reportante_a, reportante_b, entidad_a, entidad_b,
          analista, despachar):
    settings.BUSQUEDA_BACKEND = "database"
    backends.olvidar_backends()
    monkeypatch.setattr(conf, "TOPE_CANDIDATOS", 3)
    propios = [reportar(reportante_a, entidad_a, titulo=f"Ransomware en la sede {i}")
               for i in range(4)]
    ajenos = [reportar(reportante_b, entidad_b, titulo=f"Ransomware en la alcaldía {i}")
              for i in range(4)]
    unico = reportar(reportante_a, entidad_a, titulo="Defacement del portal de trámites")
    vinculos.indicadores_pegar(actor=analista, incidente_id=propios[0].pk,
                               texto="198.51.100.23")
    despachar()
    return {"propios": propios, "ajenos": ajenos, "unico": unico}


def test_past_the_cap_the_total_is_flagged_and_facets_cover_the_capped_set(datos, analista):
    r = buscar(analista, "ransomware")
    assert (r.total, r.total_exacto) == (3, False)
    assert len(r.aciertos) == 3
    assert sum(v.cuenta for v in r.facetas["tipo"]) == 3
    assert sum(v.cuenta for v in r.facetas["entidad"]) == 3


def test_under_the_cap_the_total_is_exact(datos, analista):
    r = buscar(analista, "defacement")
    assert (r.total, r.total_exacto) == (1, True)
    assert r.aciertos[0].objeto_id == datos["unico"].pk


def test_visibility_holds_inside_the_cap(datos, reportante_a, reportante_b, entidad_a):
    ajenos = {i.pk for i in datos["ajenos"]}
    r = buscar(reportante_a, "ransomware")
    assert (r.total, r.total_exacto) == (3, False)
    assert not {a.objeto_id for a in r.aciertos} & ajenos
    assert {v.valor for v in r.facetas["entidad"]} == {str(entidad_a.pk)}
    # B sees its own four, capped to three, and never A's
    r = buscar(reportante_b, "ransomware")
    assert (r.total, r.total_exacto) == (3, False)
    assert {a.objeto_id for a in r.aciertos} <= ajenos
    # a facet filter narrows below the cap: exact again
    r = buscar(reportante_b, "ransomware", filtros={"entidad": [str(entidad_a.pk)]})
    assert (r.total, r.total_exacto, r.aciertos) == (0, True, [])


def test_exact_key_is_always_in_the_capped_set(datos, analista, monkeypatch):
    monkeypatch.setattr(conf, "TOPE_CANDIDATOS", 1)
    r = buscar(analista, "198.51.100[.]23")
    assert r.aciertos[0].exacto and r.aciertos[0].clave == "198.51.100.23"


def test_recognised_ioc_skips_the_trigram_scans_and_statements_are_fixed(datos, analista):
    with CaptureQueriesContext(connection) as consultas:
        r = buscar(analista, "198.51.100[.]23")
    assert r.total == 1 and r.total_exacto
    sql = " ".join(q["sql"] for q in consultas.captured_queries if "busqueda_documento" in q[
        "sql"])
    assert "ILIKE" not in sql.upper()
    # work_mem, the one statement (page, facets, total), the headlines; an indicator has no
    # owning entity, so no acronyms are read (savepoints: the test runs inside a transaction; a request's is BEGIN/COMMIT)
    sentencias = [q["sql"] for q in consultas.captured_queries
                  if "SAVEPOINT" not in q["sql"].upper()]
    assert len(sentencias) == 3
    # a word that is not a key still gets the fragment match ("ranso" → "Ransomware")
    assert buscar(analista, "ranso").total == 3


def test_api_and_page_say_more_than(datos, api, client, analista, reportante_a):
    cuerpo = api(reportante_a).get("/api/v1/busqueda/", {"q": "ransomware"}).json()
    assert (cuerpo["total"], cuerpo["total_exacto"]) == (3, False)
    cuerpo = api(reportante_a).get("/api/v1/busqueda/", {"q": "defacement"}).json()
    assert (cuerpo["total"], cuerpo["total_exacto"]) == (1, True)
    client.force_login(reportante_a)
    html = client.get("/busqueda/", {"q": "ransomware"}).content.decode()
    assert "más de 3 resultados" in html and "Recuentos sobre los 3 primeros" in html
    html = client.get("/busqueda/", {"q": "defacement"}).content.decode()
    assert "más de" not in html and "1 resultado" in html


def test_past_the_cap_this_years_matches_come_before_older_ones(datos, analista):
    # The candidates of the recent years are taken first: the documents stored first (the
    # oldest incidents, in a real table) must not crowd out this year's.
    from cgii.busqueda.models import DocumentoBusqueda

    antiguos = [p.pk for p in datos["propios"]] + [a.pk for a in datos["ajenos"][:2]]
    DocumentoBusqueda.objects.filter(tipo="incidente", objeto_id__in=antiguos).update(anio=2017)
    r = buscar(analista, "ransomware")
    assert r.total_exacto is False
    recientes = {a.pk for a in datos["ajenos"][2:]}
    assert recientes <= {a.objeto_id for a in r.aciertos}


def test_each_arm_keeps_the_visibility_for_fragments_and_several_entities(
        datos, reportante_a, reportante_b, entidad_a, entidad_b):
    """The entity condition sits inside each arm of the text match (the vector, the key
    prefix, the title fragment: migration 0003's indexes), written differently per arm: a
    fragment only a title contains, and a user of two entities, still see exactly theirs."""
    ajenos = {i.pk for i in datos["ajenos"]}
    propios = {i.pk for i in datos["propios"]}
    r = buscar(reportante_a, "ransomw")  # a fragment: no lexeme, the title trigram arm
    assert {a.objeto_id for a in r.aciertos} <= propios and r.aciertos
    r = buscar(reportante_a, "alcald")
    assert r.aciertos == []
    from cgii.entidades.models import Membresia
    from cgii.entidades.selectors import olvidar_cache

    Membresia.objects.create(usuario=reportante_a, entidad=entidad_b, rol="reportante")
    olvidar_cache(reportante_a)
    r = buscar(reportante_a, "alcald", filtros={"entidad": [str(entidad_b.pk)]})
    assert {a.objeto_id for a in r.aciertos} <= ajenos and r.aciertos
