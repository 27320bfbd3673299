"""The console's figures read once per render (issue 22): the counters and the workloads
summed from one grouped read of the open incidents, the saved views' counts capped in one
statement, and the page's statements fixed whatever the rows, views and analysts."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from incidentes import selectores_consola, services
from incidentes.models import Incidente, VistaGuardada
from incidentes.selectors import Filtros
from incidentes.states import ESTADOS_ABIERTOS
from incidentes.views.vistas import texto_cuenta
from tests.factories import crear_usuario

from .paginas import cliente, poblar

pytestmark = pytest.mark.django_db


def test_contadores_y_carga_iguales_a_contar_fila_por_fila(catalogos, reportante_a, entidad_a,
                                                           analista, coordinador):
    poblar(9, reportante_a, entidad_a, analista)
    ids = list(Incidente.objects.order_by("pk").values_list("pk", flat=True))
    services.incidente_transicionar(actor=coordinador, incidente_id=ids[0], transicion="rechazar",
                                    datos={"motivo_rechazo": "No aplica."})
    Incidente.objects.filter(pk__in=ids[1:4]).update(prioridad="P1", estado_sla="incumplido")
    Incidente.objects.filter(pk__in=ids[4:6]).update(prioridad="P3", estado_sla="advertencia")
    Incidente.objects.filter(pk=ids[6]).update(analista=coordinador, prioridad="P2")
    figuras = selectores_consola.abiertos(coordinador)
    abiertos = Incidente.objects.filter(estado__in=ESTADOS_ABIERTOS)

    def n(*q, **f):
        return abiertos.filter(*q, **f).count()

    assert figuras.contadores == {
        "total": n(), "p1": n(prioridad="P1"), "p2": n(prioridad="P2"), "p3": n(prioridad="P3"),
        "p4": n(prioridad="P4"), "advertencia": n(estado_sla="advertencia"),
        "incumplido": n(estado_sla="incumplido"), "sin_asignar": n(analista__isnull=True),
        "mios": n(analista=coordinador)}
    assert figuras.contadores["p1"] == 3 and figuras.contadores["mios"] == 1
    carga = {u.pk: u for u in selectores_consola.analistas_con_carga(coordinador,
                                                                     figuras=figuras)}
    for u in (analista, coordinador):
        urgentes = n(Q(prioridad="P1") | Q(prioridad="P2"), analista=u)
        assert (carga[u.pk].abiertos, carga[u.pk].urgentes) == (n(analista=u), urgentes)
    # The entity user's console figures never exist (staff only), but the read is scoped.
    assert selectores_consola.abiertos(reportante_a).contadores["total"] == n()


def test_cuentas_de_vistas_acotadas_en_una_sentencia(catalogos, reportante_a, entidad_a,
                                                     analista):
    poblar(5, reportante_a, entidad_a, analista)
    filtros = {1: Filtros(abiertos=True), 2: Filtros(abiertos=True, mios=True),
               3: Filtros(abiertos=True, prioridad=["P1"])}
    with CaptureQueriesContext(connection) as consultas:
        cuentas = selectores_consola.cuentas_acotadas(analista, filtros, limite=3)
    assert len(consultas) == 1
    # 5 open (capped: limite + 1 says «more»), 3 assigned to the analyst, no P1.
    assert cuentas == {1: 4, 2: 3, 3: 0}
    assert selectores_consola.cuentas_acotadas(analista, {}) == {}
    assert texto_cuenta(1000) == "1000"
    assert texto_cuenta(1001) == "más de 1000"


def test_consola_en_sentencias_fijas_con_vistas_y_analistas(catalogos, reportante_a, entidad_a,
                                                           analista, coordinador):
    """A coordinator's console (counters, workload menu, filters, saved views): the same
    statements with 3 or 40 rows, 1 or 6 views and 2 or 7 analysts (a per-row, per-view or
    per-analyst query coming back fails here), and no more than the budget."""
    c = cliente(coordinador)
    poblar(3, reportante_a, entidad_a, analista)
    VistaGuardada.objects.create(usuario=coordinador, pagina="consola", nombre="P1",
                                 consulta="prioridad=P1")
    c.get("/incidentes/consola/")  # per-process caches (catalogs) fill on the first page
    with CaptureQueriesContext(connection) as pocas:
        assert c.get("/incidentes/consola/").status_code == 200
    poblar(37, reportante_a, entidad_a, analista)
    for k in range(5):
        crear_usuario(username=f"analista{k}", rol_cgii="analista")
        VistaGuardada.objects.create(usuario=coordinador, pagina="consola", nombre=f"V{k}",
                                     consulta=f"estado_sla=incumplido&prioridad=P{k % 4 + 1}")
    with CaptureQueriesContext(connection) as muchas:
        r = c.get("/incidentes/consola/")
    assert r.status_code == 200 and len(r.context["filas"]) == 40
    assert len(r.context["vistas"]) >= 6 and len(r.context["asignables_json"]) >= 7
    sql = [q["sql"][:100] for q in muchas.captured_queries]
    assert len(muchas) == len(pocas), sql
    assert len(muchas) <= 11, sql
