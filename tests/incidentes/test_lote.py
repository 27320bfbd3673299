"""Bulk actions (issue 18): one request, each incident through its own service in its own
savepoint, a result per row, tenant rules, bounded queries; the API endpoint and the HTML
form post."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import ErrorValidacion, PermisoDenegado
from cgii.eventos.models import Evento
from incidentes import services
from incidentes.models import EntradaTimeline, Incidente
from tests.factories import crear_usuario

from .paginas import cliente
from .utiles import llevar_a, reportar

pytestmark = pytest.mark.django_db


def _varios(n, reportante, entidad):
    return [reportar(reportante, entidad, titulo=f"Incidente {k}") for k in range(n)]


def test_asignar_en_lote_pasa_por_el_servicio_de_cada_incidente(catalogos, reportante_a,
                                                               entidad_a, coordinador, analista):
    incidentes = _varios(3, reportante_a, entidad_a)
    ids = [i.pk for i in incidentes]
    eventos_antes = Evento.objects.count()
    resultados = services.incidentes_en_lote(actor=coordinador, ids=ids, accion="asignar",
                                             analista_id=analista.pk)
    assert [r.ok for r in resultados] == [True, True, True]
    assert set(Incidente.objects.filter(pk__in=ids).values_list("analista_id", flat=True)) == {
        analista.pk}
    # Each incident got its own timeline row, audit row and event (the service's recipe).
    assert EntradaTimeline.objects.filter(incidente_id__in=ids, tipo="asignacion").count() == 3
    assert RegistroAuditoria.objects.filter(accion="incidente.asignar").count() == 3
    assert Evento.objects.count() - eventos_antes >= 3


def test_una_fila_rechazada_no_deshace_las_demas(catalogos, reportante_a, entidad_a, analista):
    a, b, c = _varios(3, reportante_a, entidad_a)
    llevar_a(b, "en_analisis", analista)  # rechazar only before analysis: b is refused
    resultados = services.incidentes_en_lote(
        actor=analista, ids=[a.pk, b.pk, c.pk], accion="falso_positivo",
        motivo="Escaneo autorizado del propio equipo de TI.")
    por_id = {r.id: r for r in resultados}
    assert por_id[a.pk].ok and por_id[c.pk].ok
    assert not por_id[b.pk].ok and por_id[b.pk].mensaje  # the FSM's Spanish reason
    estados = dict(Incidente.objects.values_list("pk", "estado"))
    assert estados[a.pk] == estados[c.pk] == "rechazado"
    assert estados[b.pk] == "en_analisis"
    assert "Falso positivo" in Incidente.objects.get(pk=a.pk).motivo_rechazo


def test_marcar_duplicados_en_lote_usa_la_transicion(catalogos, reportante_a, entidad_a,
                                                     analista):
    maestro, d1, d2 = _varios(3, reportante_a, entidad_a)
    resultados = services.incidentes_en_lote(
        actor=analista, ids=[d1.pk, d2.pk, maestro.pk], accion="duplicado",
        maestro=maestro.codigo, motivo="Mismo correo reportado dos veces.")
    assert [r.ok for r in resultados] == [True, True, False]  # the master cannot be its own copy
    for d in (d1, d2):
        d.refresh_from_db()
        assert d.estado == "duplicado" and d.maestro_id == maestro.pk


def test_prioridad_y_etiqueta_en_lote(catalogos, reportante_a, entidad_a, analista):
    a, b = _varios(2, reportante_a, entidad_a)
    r = services.incidentes_en_lote(actor=analista, ids=[a.pk, b.pk], accion="prioridad",
                                    prioridad="P1", motivo="Campaña activa.")
    assert all(x.ok for x in r)
    a.refresh_from_db()
    assert a.prioridad == "P1" and a.prioridad_manual and a.motivo_prioridad == "Campaña activa."
    r = services.incidentes_en_lote(actor=analista, ids=[a.pk, b.pk], accion="etiqueta",
                                    etiqueta="  Campaña SIGEP ")
    assert all(x.ok for x in r)
    services.incidentes_en_lote(actor=analista, ids=[a.pk], accion="etiqueta",
                                etiqueta="campaña sigep")  # again: no second copy
    assert Incidente.objects.get(pk=a.pk).etiquetas == ["campaña sigep"]


def test_parametros_invalidos_son_un_400_antes_de_tocar_filas(catalogos, reportante_a,
                                                              entidad_a, analista):
    (a,) = _varios(1, reportante_a, entidad_a)
    with pytest.raises(ErrorValidacion) as exc:
        services.incidentes_en_lote(actor=analista, ids=[a.pk], accion="prioridad",
                                    prioridad="P9", motivo="")
    assert set(exc.value.extra) == {"prioridad", "motivo"}
    with pytest.raises(ErrorValidacion):
        services.incidentes_en_lote(actor=analista, ids=[a.pk], accion="borrar_todo")
    assert not EntradaTimeline.objects.filter(incidente=a, tipo="clasificacion").exists()


def test_la_entidad_no_puede_ninguna_accion_en_lote(catalogos, reportante_a, entidad_a):
    (a,) = _varios(1, reportante_a, entidad_a)
    for accion, extra in [("tomar", {}), ("etiqueta", {"etiqueta": "x"}),
                          ("falso_positivo", {"motivo": "x"})]:
        with pytest.raises(PermisoDenegado):
            services.incidentes_en_lote(actor=reportante_a, ids=[a.pk], accion=accion, **extra)
    r = cliente(reportante_a).post("/api/v1/incidentes/lote/", {"accion": "tomar",
                                                                "ids": [a.pk]},
                                   content_type="application/json")
    assert r.status_code == 403
    assert Incidente.objects.get(pk=a.pk).analista_id is None


def test_analista_no_asigna_a_otro_en_lote(catalogos, reportante_a, entidad_a, analista,
                                           coordinador):
    (a,) = _varios(1, reportante_a, entidad_a)
    with pytest.raises(PermisoDenegado):
        services.incidentes_en_lote(actor=analista, ids=[a.pk], accion="asignar",
                                    analista_id=coordinador.pk)


def test_id_inexistente_o_no_visible_es_no_encontrado(catalogos, reportante_a, entidad_a,
                                                      analista):
    (a,) = _varios(1, reportante_a, entidad_a)
    r = services.incidentes_en_lote(actor=analista, ids=[a.pk, 999999], accion="tomar")
    assert r[0].ok and not r[1].ok and r[1].mensaje == "No encontrado."


def test_consultas_acotadas_por_fila(catalogos, reportante_a, entidad_a, coordinador, analista):
    incidentes = _varios(12, reportante_a, entidad_a)
    ids = [i.pk for i in incidentes]

    def contar(lista):
        with CaptureQueriesContext(connection) as q:
            services.incidentes_en_lote(actor=coordinador, ids=lista, accion="prioridad",
                                        prioridad="P2", motivo="Revisión")
        return len(q.captured_queries)

    con_4, con_8 = contar(ids[:4]), contar(ids[4:12])
    por_fila = (con_8 - con_4) / 4
    assert por_fila <= 25, "a small, fixed number of queries per row"
    assert con_8 <= con_4 * 2 + 2, "linear in the rows: nothing grows with the selection"


def test_api_lote_por_ids_y_por_filtro(catalogos, reportante_a, entidad_a, analista):
    incidentes = _varios(4, reportante_a, entidad_a)
    c = cliente(analista)
    r = c.post("/api/v1/incidentes/lote/", {"accion": "tomar",
                                            "ids": [incidentes[0].pk, incidentes[1].pk]},
               content_type="application/json")
    assert r.status_code == 200, r.content
    datos = r.json()
    assert datos["total"] == 2 and datos["hechos"] == 2 and datos["rechazados"] == 0
    assert {f["codigo"] for f in datos["resultados"]} == {incidentes[0].codigo,
                                                         incidentes[1].codigo}
    r = c.post("/api/v1/incidentes/lote/", {"accion": "etiqueta", "etiqueta": "ola-1",
                                            "filtro": "sin_asignar=1"},
               content_type="application/json")
    assert r.status_code == 200 and r.json()["hechos"] == 2
    etiquetadas = {i.pk for i in Incidente.objects.all() if "ola-1" in i.etiquetas}
    assert etiquetadas == {incidentes[2].pk, incidentes[3].pk}
    r = c.post("/api/v1/incidentes/lote/", {"accion": "prioridad", "ids": [incidentes[0].pk]},
               content_type="application/json")
    assert r.status_code == 400


def test_formulario_html_y_seleccion_de_todo_el_filtro(catalogos, reportante_a, entidad_a,
                                                       analista):
    incidentes = _varios(3, reportante_a, entidad_a)
    c = cliente(analista)
    # Without JS: the form posts the checked ids and comes back with a message.
    r = c.post("/incidentes/lote/", {"accion": "tomar", "ids": [incidentes[0].pk],
                                     "volver": "/incidentes/consola/"})
    assert r.status_code == 302 and r["Location"] == "/incidentes/consola/"
    assert Incidente.objects.get(pk=incidentes[0].pk).analista_id == analista.pk
    # "All matching the filter" of the console: the two still unassigned.
    r = c.post("/incidentes/lote/", {"accion": "etiqueta", "etiqueta": "revisar",
                                     "todos": "1", "pagina": "consola",
                                     "filtro": "sin_asignar=1"},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    assert json.loads(r.content)["hechos"] == 2
    assert Incidente.objects.get(pk=incidentes[0].pk).etiquetas == []


def test_consola_muestra_casillas_y_barra_solo_a_quien_gestiona(catalogos, reportante_a,
                                                                entidad_a, analista, auditor):
    _varios(2, reportante_a, entidad_a)
    html = cliente(analista).get("/incidentes/consola/").content.decode()
    assert 'id="form-lote"' in html and 'data-elegir' in html and 'id="atajos"' in html
    html = cliente(auditor).get("/incidentes/consola/").content.decode()
    assert 'id="form-lote"' not in html and 'data-elegir ' not in html


def test_menu_de_asignar_muestra_la_carga_en_una_consulta(catalogos, reportante_a, entidad_a,
                                                          coordinador, analista,
                                                          django_assert_max_num_queries):
    from incidentes.selectores_consola import analistas_con_carga

    a, b, _c = _varios(3, reportante_a, entidad_a)
    services.incidentes_en_lote(actor=coordinador, ids=[a.pk, b.pk], accion="asignar",
                                analista_id=analista.pk)
    services.incidentes_en_lote(actor=coordinador, ids=[a.pk], accion="prioridad",
                                prioridad="P1", motivo="Crítico")
    for k in range(5):
        crear_usuario(username=f"otro{k}", rol_cgii="analista")
    # The staff list and one grouped read of the open incidents, however many analysts.
    with django_assert_max_num_queries(2):
        carga = {u.username: u for u in analistas_con_carga(coordinador)}
    assert carga["analista"].abiertos == 2 and carga["analista"].urgentes == 1
    assert carga["otro0"].abiertos == 0 and carga["analista"].disponible
    html = cliente(coordinador).get("/incidentes/consola/").content.decode()
    assert "2 abiertos, 1 P1/P2" in html
