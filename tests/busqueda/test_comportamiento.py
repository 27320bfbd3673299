"""The same behaviour on both backends (``backend`` fixture: database, elasticsearch):
matching, ranking of exact keys, highlights, facets and — above all — tenant filtering of
documents, counts, facets and highlights, with the index fed through the outbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.busqueda import buscar
from incidentes import services as incidentes
from incidentes.indicadores.services import vinculos
from tests.factories import crear_entidad, crear_usuario

pytestmark = pytest.mark.django_db


def reportar(actor, entidad, titulo, descripcion, **campos):
    return incidentes.incidente_reportar(
        actor=actor, entidad=entidad, titulo=titulo, descripcion=descripcion,
        detectado_en=timezone.now() - timedelta(hours=1), **campos)


@pytest.fixture
def escenario(backend, catalogos, reportante_a, reportante_b, entidad_a, entidad_b, analista,
              despachar):
    """Two entities, an incident each with the same word, an internal comment on A's."""
    a = reportar(reportante_a, entidad_a, "Correos de phishing al personal",
                 "Llegan correos fraudulentos que piden la contraseña del correo institucional.")
    b = reportar(reportante_b, entidad_b, "Phishing dirigido a la alcaldía",
                 "Mensajes falsos suplantan al banco; <script>alert(1)</script> en el cuerpo.")
    incidentes.incidente_comentar(actor=analista, incidente_id=a.pk, compartido=False,
                                  texto="Sospechamos del grupo Kryptonita por la infraestructura.")
    incidentes.incidente_comentar(actor=analista, incidente_id=a.pk, compartido=True,
                                  texto="Por favor bloqueen el remitente en la pasarela.")
    despachar()
    return {"a": a, "b": b}


def ids(resultados, tipo="incidente"):
    return {x.objeto_id for x in resultados.aciertos if x.tipo == tipo}


def todo_el_texto(resultados) -> str:
    partes = []
    for x in resultados.aciertos:
        partes.append(x.titulo)
        for fragmentos in x.fragmentos.values():
            partes.extend(fragmentos)
    return " ".join(partes)


def test_spanish_stemming_phrase_and_exclusion(escenario, analista):
    a, b = escenario["a"], escenario["b"]
    # "contraseñas"/"fraudulento" match "contraseña"/"fraudulentos" (Spanish stems)
    assert ids(buscar(analista, "contraseñas")) == {a.pk}
    assert ids(buscar(analista, "fraudulento")) == {a.pk}
    assert ids(buscar(analista, "phishing")) == {a.pk, b.pk}
    assert ids(buscar(analista, '"correo institucional"')) == {a.pk}
    assert ids(buscar(analista, '"institucional correo"')) == set()
    assert ids(buscar(analista, "phishing -alcaldía")) == {a.pk}
    assert ids(buscar(analista, "phishing", tipos=["indicador"])) == set()


def test_highlights_are_escaped_and_marked(escenario, analista):
    r = buscar(analista, "banco")
    (hit,) = r.aciertos
    texto = " ".join(hit.fragmentos["texto"])
    assert "banco" in texto.lower()
    from cgii.busqueda.resaltado import resaltar

    html = str(resaltar(texto))
    assert "<mark>banco</mark>" in html.lower()
    # PostgreSQL's headline drops the tag, Elasticsearch keeps it: escaped either way
    assert "<script>" not in html
    assert "script" not in html or "&lt;script&gt;" in html


def test_exact_code_ranks_first(escenario, analista):
    a = escenario["a"]
    r = buscar(analista, a.codigo.lower())
    assert r.aciertos[0].objeto_id == a.pk and r.aciertos[0].exacto
    assert r.aciertos[0].url == f"/incidentes/{a.pk}/"


def test_entity_user_never_sees_another_entity(escenario, reportante_a, reportante_b):
    a, b = escenario["a"], escenario["b"]
    for usuario, propio, ajeno in ((reportante_a, a, b), (reportante_b, b, a)):
        r = buscar(usuario, "phishing")
        assert ids(r) == {propio.pk}
        assert r.total == 1
        facetas = {f: {v.valor: v.cuenta for v in vs} for f, vs in r.facetas.items()}
        assert facetas["entidad"] == {str(propio.entidad_id): 1}
        assert str(ajeno.entidad_id) not in facetas["entidad"]
        assert sum(facetas["tipo"].values()) == 1
        # the other entity's code finds nothing, not even a count
        r = buscar(usuario, ajeno.codigo)
        assert r.total == 0 and r.aciertos == [] and all(
            not vs for vs in r.facetas.values())
        assert ajeno.titulo not in todo_el_texto(buscar(usuario, ajeno.titulo))


def test_internal_comments_are_staff_only(escenario, analista, reportante_a):
    a = escenario["a"]
    r = buscar(analista, "Kryptonita")
    assert ids(r) == {a.pk}
    assert "Kryptonita" in " ".join(r.aciertos[0].fragmentos["interno"])
    # the entity's own incident: not matched by the internal text, never highlighted
    r = buscar(reportante_a, "Kryptonita")
    assert r.total == 0 and r.aciertos == []
    assert all(not vs for vs in r.facetas.values())
    r = buscar(reportante_a, "phishing")
    assert ids(r) == {a.pk}
    assert "interno" not in r.aciertos[0].fragmentos
    assert "Kryptonita" not in todo_el_texto(r)
    # shared messages are the entity's too
    assert ids(buscar(reportante_a, "pasarela")) == {a.pk}


def test_facets_and_filters(escenario, analista, entidad_a):
    a = escenario["a"]
    r = buscar(analista, "phishing")
    facetas = {f: {v.valor: v.cuenta for v in vs} for f, vs in r.facetas.items()}
    assert facetas["tipo"] == {"incidente": 2}
    assert facetas["estado"] == {"reportado": 2}
    assert facetas["anio"] == {str(timezone.now().year): 2}
    assert sum(facetas["entidad"].values()) == 2
    assert facetas["tlp"] == {"amber": 2}
    assert set(facetas["prioridad"]) <= {"P1", "P2", "P3", "P4"}
    etiquetas = {v.valor: v.etiqueta for v in r.facetas["estado"]}
    assert etiquetas["reportado"] == "Reportado"
    r = buscar(analista, "phishing", filtros={"entidad": [str(entidad_a.pk)]})
    assert ids(r) == {a.pk} and r.total == 1
    assert [v.activo for v in r.facetas["entidad"]] == [True]
    assert buscar(analista, "phishing", filtros={"estado": ["cerrado"]}).total == 0
    # no text: browse by filters, newest first
    r = buscar(analista, "", tipos=["incidente"])
    assert r.total == 2 and r.aciertos[0].objeto_id == escenario["b"].pk


def test_state_change_reaches_the_index(escenario, analista, despachar):
    a = escenario["a"]
    incidentes.incidente_transicionar(actor=analista, incidente_id=a.pk,
                                      transicion="iniciar_triaje")
    assert {v.valor for v in buscar(analista, "fraudulentos").facetas["estado"]} == {
        "reportado"}
    despachar()
    assert {v.valor for v in buscar(analista, "fraudulentos").facetas["estado"]} == {
        "en_triaje"}


def test_indicators_exact_defanged_prefix_and_tenancy(escenario, analista, reportante_a,
                                                      reportante_b, despachar):
    a = escenario["a"]
    vinculos.indicadores_pegar(actor=analista, incidente_id=a.pk,
                               texto="203.0.113.77\nhxxps://malo[.]example[.]com/login")
    despachar()
    r = buscar(analista, "203.0.113[.]77")
    assert r.aciertos[0].tipo == "indicador" and r.aciertos[0].exacto
    assert r.aciertos[0].clave == "203.0.113.77"
    assert "<mark>" in str(__import__("cgii.busqueda.resaltado", fromlist=["x"]).resaltar(
        r.aciertos[0].fragmentos["titulo"][0]))
    r = buscar(analista, "https://malo.example.com/login", tipos=["indicador"])
    assert r.total == 1 and r.aciertos[0].clave == "https://malo.example.com/login"
    facetas = {v.valor for v in r.facetas["categoria"]}
    assert facetas == {"url"}
    # prefix of a value
    assert "203.0.113.77" in {x.clave for x in buscar(analista, "203.0.113",
                                                       tipos=["indicador"]).aciertos}
    # the entity whose incident saw it finds it; the other entity does not
    assert buscar(reportante_a, "203.0.113.77", tipos=["indicador"]).total == 1
    r = buscar(reportante_b, "203.0.113.77")
    assert r.total == 0 and r.aciertos == [] and all(not vs for vs in r.facetas.values())
    # once B's incident also sees it, B finds it too — and learns nothing about A
    vinculos.indicadores_pegar(actor=analista, incidente_id=escenario["b"].pk,
                               texto="203.0.113.77")
    despachar()
    r = buscar(reportante_b, "203.0.113.77")
    assert {x.tipo for x in r.aciertos} == {"indicador"}
    assert r.aciertos[0].entidad_id is None
    assert {v.valor for v in r.facetas["entidad"]} == set()


def test_entities_and_pisi_documents(backend, catalogos, analista, entidad_a, entidad_b,
                                     reportante_b, despachar):
    from cgii.busqueda.services import indexar
    from cgii.busqueda.sumidero import construir

    docs, _ = construir({"entidad": [entidad_a.pk, entidad_b.pk]})
    indexar(docs)
    r = buscar(analista, entidad_a.sigla)
    assert r.aciertos[0].tipo == "entidad" and r.aciertos[0].objeto_id == entidad_a.pk
    assert buscar(reportante_b, entidad_a.sigla, tipos=["entidad"]).total == 0
    assert ids(buscar(reportante_b, entidad_b.sigla), "entidad") == {entidad_b.pk}


def test_pisi_plan_through_the_outbox(backend, rsi_a, entidad_a, reportante_b, analista,
                                      despachar):
    from planes_seguridad import cargador
    from planes_seguridad.services import plan_actualizar, plan_crear

    if cargador.faltantes():
        pytest.skip("Faltan los catálogos YAML de controles")
    cargador.cargar_todo()
    plan = plan_crear(actor=rsi_a, entidad_id=entidad_a.pk, gestion=2027)
    plan_actualizar(actor=rsi_a, plan_id=plan.pk,
                    alcance="Servidores de la planta hidroeléctrica y su red SCADA.")
    despachar()
    assert ids(buscar(rsi_a, "hidroeléctricas"), "plan") == {plan.pk}
    assert ids(buscar(analista, "SCADA", tipos=["plan"]), "plan") == {plan.pk}
    assert buscar(reportante_b, "SCADA").total == 0


def test_other_entity_user_and_anonymous(escenario):
    from django.contrib.auth.models import AnonymousUser

    tercera = crear_entidad(sigla="TER")
    sin_nada = crear_usuario(username="ajeno", entidad=tercera)
    assert buscar(sin_nada, "phishing").total == 0
    assert buscar(AnonymousUser(), "phishing").total == 0


def test_pages_split_the_ranked_hits(escenario, analista, reportante_a, entidad_a, despachar):
    for i in range(3):
        reportar(reportante_a, entidad_a, f"Phishing de seguimiento {i}",
                 "Otra campaña de correos fraudulentos.")
    despachar()
    todos = buscar(analista, "phishing", tipos=["incidente"], por_pagina=10)
    primera = buscar(analista, "phishing", tipos=["incidente"], por_pagina=3)
    segunda = buscar(analista, "phishing", tipos=["incidente"], pagina=2, por_pagina=3)
    assert todos.total == primera.total == segunda.total == 5
    assert [x.objeto_id for x in primera.aciertos + segunda.aciertos] == \
        [x.objeto_id for x in todos.aciertos]
    assert len(primera.aciertos) == 3 and len(segunda.aciertos) == 2
    # the facets count every match, not only the page
    assert {v.valor: v.cuenta for v in segunda.facetas["tipo"]} == {"incidente": 5}
    fecha = segunda.aciertos[0].fecha
    assert fecha is not None and fecha.tzinfo is not None
    vacia = buscar(analista, "phishing", tipos=["incidente"], pagina=3, por_pagina=3)
    assert vacia.aciertos == [] and vacia.total == 5
