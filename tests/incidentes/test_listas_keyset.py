"""Issue 22: the incident lists page by keyset (cgii.keyset) with a capped count.

Walking every cursor page (both ways) yields each visible incident once, in the order's
order, ties and NULL deadlines included; cursors are signed and bound to their order; an
entity's user never reaches another entity's rows through one; the API's plain-dict rows
are what IncidenteListaSerializer gives; the query count stays fixed."""

import json
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cgii import keyset
from incidentes import selectors, services
from incidentes.api.serializers import IncidenteListaSerializer
from incidentes.models import Incidente

from .utiles import clasificar, reportar

pytestmark = pytest.mark.django_db

LISTA = "/api/v1/incidentes/"
_codigos = count(1)


def _sembrar(filas, entidades) -> list[Incidente]:
    """Bare incident rows (setup only): (entity index, priority, deadline slot or None,
    creation slot). Few slots, so ties in every key are common."""
    base = timezone.now().replace(microsecond=0)
    return Incidente.objects.bulk_create([
        Incidente(codigo=f"CGII-T-{next(_codigos)}", entidad=entidades[e], titulo="Prueba",
                  descripcion="Fila de la prueba de paginación.", detectado_en=base,
                  prioridad=p, vence_sla=None if v is None else base + timedelta(hours=v),
                  creado=base - timedelta(minutes=c))
        for e, p, v, c in filas])


def _esperado(incidentes, orden: str) -> list[int]:
    """The order written out independently of cgii.keyset."""
    def nulos_al_final(i):
        return (i.vence_sla is None, i.vence_sla.timestamp() if i.vence_sla else 0)

    claves = {
        "urgencia": lambda i: (*nulos_al_final(i), -i.creado.timestamp(), -i.pk),
        "recientes": lambda i: (-i.creado.timestamp(), -i.pk),
        "antiguos": lambda i: (i.creado.timestamp(), i.pk),
        "prioridad": lambda i: (i.prioridad, *nulos_al_final(i), -i.pk),
    }
    return [i.pk for i in sorted(incidentes, key=claves[orden])]


def _recorrer(usuario, orden, tamano) -> tuple[list[int], list[int]]:
    """Every page forwards through ``siguiente``, then back from the last through
    ``anterior``: the ids in each walk's reading order."""
    filtros = selectors.Filtros(orden=orden)
    paginas, cursor = [], None
    while True:
        p = selectors.incidentes_pagina(usuario=usuario, filtros=filtros, cursor=cursor,
                                        tamano=tamano)
        assert len(p.filas) <= tamano
        paginas.append(p)
        if p.siguiente is None:
            break
        assert len(p.filas) == tamano
        cursor = p.siguiente
    adelante = [i.pk for p in paginas for i in p.filas]
    atras, cursor = [[i.pk for i in paginas[-1].filas]], paginas[-1].anterior
    while cursor is not None:
        p = selectors.incidentes_pagina(usuario=usuario, filtros=filtros, cursor=cursor,
                                        tamano=tamano)
        assert p.siguiente is not None
        atras.insert(0, [i.pk for i in p.filas])
        cursor = p.anterior
    return adelante, [pk for pagina in atras for pk in pagina]


FILAS = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(["P1", "P2", "P3"]),
                           st.one_of(st.none(), st.integers(-2, 2)), st.integers(0, 3)),
                 max_size=22)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filas=FILAS, tamano=st.integers(1, 6),
       orden=st.sampled_from(["urgencia", "recientes", "antiguos", "prioridad"]),
       como_entidad=st.booleans())
def test_recorrer_todas_las_paginas_da_cada_incidente_una_vez_en_orden(
        entidad_a, entidad_b, reportante_a, analista, filas, tamano, orden, como_entidad):
    Incidente.objects.all().delete()
    incidentes = _sembrar(filas, [entidad_a, entidad_b])
    usuario = reportante_a if como_entidad else analista
    visibles = [i for i in incidentes if not como_entidad or i.entidad_id == entidad_a.pk]
    esperado = _esperado(visibles, orden)
    adelante, atras = _recorrer(usuario, orden, tamano)
    assert adelante == esperado
    assert atras == esperado
    primera = selectors.incidentes_pagina(usuario=usuario,
                                          filtros=selectors.Filtros(orden=orden), tamano=tamano)
    assert primera.total == len(esperado) and primera.exacto and primera.anterior is None


def test_la_cuenta_se_acota(monkeypatch, entidad_a, analista):
    monkeypatch.setattr(selectors, "LIMITE_CUENTA", 5)
    _sembrar([(0, "P1", None, c) for c in range(8)], [entidad_a])
    p = selectors.incidentes_pagina(usuario=analista, tamano=3)
    assert (p.total, p.exacto) == (5, False)
    p = selectors.incidentes_pagina(usuario=analista, tamano=3,
                                    filtros=selectors.Filtros(prioridad=["P2"]))
    assert (p.total, p.exacto, p.filas) == (0, True, [])


# ---- API ----------------------------------------------------------------------------------

def _consultas(cliente, url):
    with CaptureQueriesContext(connection) as ctx:
        r = cliente.get(url)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), r.json()


def test_api_recorre_con_next_y_previous(api, entidad_a, analista):
    _sembrar([(0, "P2", v, c) for v in (None, 1, 1) for c in range(4)], [entidad_a])
    c = api(analista)
    datos = c.get(f"{LISTA}?page_size=5").json()
    assert (datos["count"], datos["count_exacto"], datos["previous"]) == (12, True, None)
    vistos, paginas = [], []
    while True:
        vistos += [i["id"] for i in datos["results"]]
        paginas.append(datos)
        if not datos["next"]:
            break
        assert "cursor=" in datos["next"] and "page_size=5" in datos["next"]
        datos = c.get(datos["next"]).json()
    assert len(vistos) == len(set(vistos)) == 12
    assert vistos == _esperado(Incidente.objects.all(), "urgencia")
    atras = c.get(paginas[-1]["previous"]).json()
    assert [i["id"] for i in atras["results"]] == [i["id"] for i in paginas[-2]["results"]]
    # The old page parameter still works (an OFFSET page) and hands over to the cursor.
    pagina2 = c.get(f"{LISTA}?page_size=5&page=2").json()
    assert [i["id"] for i in pagina2["results"]] == vistos[5:10]
    assert "page=1" in pagina2["previous"] and "cursor=" in pagina2["next"]
    assert [i["id"] for i in c.get(pagina2["next"]).json()["results"]] == vistos[10:]


@pytest.mark.parametrize("cursor", ["basura", "e30:1abc:def", "", "%C3%B1.x:y"])
def test_cursor_no_valido_es_400(api, analista, cursor):
    r = api(analista).get(f"{LISTA}?cursor={cursor}")
    if cursor == "":
        assert r.status_code == 200  # no cursor: the first page
        return
    assert r.status_code == 400
    assert r.json()["extra"]["cursor"][0].startswith("Cursor no válido")


def test_cursor_alterado_o_de_otro_orden_es_400(api, entidad_a, analista):
    _sembrar([(0, "P1", None, c) for c in range(3)], [entidad_a])
    c = api(analista)
    siguiente = c.get(f"{LISTA}?page_size=1").json()["next"]
    cursor = siguiente.split("cursor=")[1].split("&")[0]
    assert c.get(f"{LISTA}?page_size=1&cursor={cursor}").status_code == 200
    assert c.get(f"{LISTA}?page_size=1&orden=recientes&cursor={cursor}").status_code == 400
    alterado = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert c.get(f"{LISTA}?page_size=1&cursor={alterado}").status_code == 400
    orden = selectors.ORDENES_KEYSET["urgencia"]
    sin_id = keyset.signing.dumps({"o": "urgencia", "a": 0, "v": [None, "x", 1]},
                                  salt=keyset.SAL)
    assert c.get(f"{LISTA}?cursor={sin_id}").status_code == 400
    nulo = keyset.codificar(orden, [None, None, None])  # creado is never NULL
    assert c.get(f"{LISTA}?cursor={nulo}").status_code == 400


def test_un_cursor_con_claves_de_otra_entidad_no_revela_nada(api, entidad_a, entidad_b,
                                                             reportante_a):
    propios = _sembrar([(0, "P1", 1, c) for c in range(3)], [entidad_a, entidad_b])
    ajenos = _sembrar([(1, "P1", v, c) for v in (None, 0, 2) for c in range(3)],
                      [entidad_a, entidad_b])
    c = api(reportante_a)
    orden = selectors.ORDENES_KEYSET["urgencia"]
    for ajeno in ajenos:
        for atras in (False, True):
            cursor = keyset.codificar(orden, [ajeno.vence_sla, ajeno.creado, ajeno.pk],
                                      atras=atras)
            datos = c.get(f"{LISTA}?cursor={cursor}").json()
            ids = {i["id"] for i in datos["results"]}
            assert ids <= {i.pk for i in propios}
            assert datos["count"] == 3


def test_filas_rapidas_iguales_al_serializer(api, catalogos, entidad_a, reportante_a,
                                             analista):
    asignado = clasificar(reportar(reportante_a, entidad_a, titulo="clasificado"), analista)
    services.incidente_asignar(actor=analista, incidente_id=asignado.pk,
                               analista_id=analista.pk)
    reportar(reportante_a, entidad_a, titulo="sin tipo ni analista")
    _sembrar([(0, "P4", None, 1)], [entidad_a])
    analista.first_name = ""  # the username stands in for a missing full name
    analista.save()
    for orden in ("urgencia", "recientes"):
        for usuario in (analista, reportante_a):
            datos = api(usuario).get(f"{LISTA}?orden={orden}").json()["results"]
            assert len(datos) == 3
            ids = [i["id"] for i in datos]
            objetos = {i.pk: i for i in Incidente.objects.select_related(
                "entidad", "tipo", "analista").filter(pk__in=ids)}
            esperado = json.loads(json.dumps(
                IncidenteListaSerializer([objetos[pk] for pk in ids], many=True).data))
            assert datos == esperado


def test_api_lista_en_cuatro_consultas(api, entidad_a, reportante_a, analista):
    _sembrar([(0, "P1", v, c) for v in (None, 1) for c in range(3)], [entidad_a])
    for usuario in (analista, reportante_a):
        c = api(usuario)
        pocas, _ = _consultas(c, LISTA)
        _sembrar([(0, "P2", v, c) for v in (None, 2) for c in range(30)], [entidad_a])
        muchas, datos = _consultas(c, LISTA)
        siguiente, _ = _consultas(c, datos["next"])
        filtrada, _ = _consultas(c, f"{LISTA}?estado=reportado&prioridad=P1,P2&orden=prioridad")
        assert pocas == muchas == siguiente == filtrada <= 4, usuario


# ---- HTML pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("url,como", [("/incidentes/", "personal"), ("/incidentes/", "entidad"),
                                      ("/incidentes/consola/", "personal")])
def test_paginas_html_sin_consultas_por_fila(client, entidad_a, reportante_a, coordinador,
                                             url, como):
    from tests.entidades.sesiones import ingresar

    ingresar(client, coordinador if como == "personal" else reportante_a)
    _sembrar([(0, "P1", v, c) for v in (None, 1) for c in range(2)], [entidad_a])
    # Once first: per-process catalog caches (taxonomy codes) fill on a process's first
    # page; what is compared here is what a page costs per row afterwards.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as pocas:
        assert client.get(url).status_code == 200
    _sembrar([(0, "P2", v, c) for v in (None, 1, 2) for c in range(30)], [entidad_a])
    with CaptureQueriesContext(connection) as muchas:
        r = client.get(url)
    assert r.status_code == 200
    assert len(muchas) == len(pocas), [q["sql"][:120] for q in muchas.captured_queries]


def test_lista_html_sigue_el_cursor(client, entidad_a, analista):
    from tests.entidades.sesiones import ingresar

    ingresar(client, analista)
    _sembrar([(0, "P3", v, c) for v in (None, 1) for c in range(40)], [entidad_a])
    r = client.get("/incidentes/?orden=recientes")
    pagina = r.context["pagina"]
    assert len(pagina.filas) == 50 and pagina.total == 80 and r.context["enlace_siguiente"]
    assert "más de" not in r.content.decode()
    r2 = client.get(f"/incidentes/?orden=recientes&{r.context['enlace_siguiente']}")
    segunda = [i.pk for i in r2.context["pagina"].filas]
    assert len(segunda) == 30 and not set(segunda) & {i.pk for i in pagina.filas}
    assert r2.context["enlace_anterior"] and not r2.context["enlace_siguiente"]
    malo = client.get("/incidentes/?orden=antiguos&" + r.context["enlace_siguiente"])
    assert malo.status_code == 400 and len(malo.context["pagina"].filas) == 50


def test_consola_por_paginas(client, entidad_a, analista):
    from tests.entidades.sesiones import ingresar

    ingresar(client, analista)
    _sembrar([(0, "P2", v, c) for v in (None, 1, 2) for c in range(20)], [entidad_a])
    r = client.get("/incidentes/consola/")
    primera = [i.pk for i in r.context["filas"]]
    assert len(primera) == 50 and r.context["lote"]["total"] == 60
    r2 = client.get(f"/incidentes/consola/?{r.context['enlace_siguiente']}")
    segunda = [i.pk for i in r2.context["filas"]]
    assert len(segunda) == 10 and not set(segunda) & set(primera)
    assert primera + segunda == _esperado(Incidente.objects.all(), "urgencia")
    assert client.get("/incidentes/consola/?cursor=x").status_code == 400


def test_errores_de_items_de_lista_en_el_renderizador_rapido(api, catalogos, entidad_a,
                                                             reportante_a):
    """The list's orjson renderer also writes the intake's errors, whose per-item keys are
    ints ({"evidencias": {0: [...]}}): a JSON body with strings for files was a 500."""
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "entidad": entidad_a.pk, "titulo": "Prueba", "descripcion": "x", "tlp": "amber",
        "detectado_en": timezone.now().isoformat(), "evidencias": ["", ""]}, format="json")
    assert r.status_code == 400
    assert json.loads(r.content)["extra"]["evidencias"]["0"]
