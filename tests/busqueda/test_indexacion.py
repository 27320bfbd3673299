"""Indexing through the outbox: a dead cluster never fails or slows a report; the backlog
grows, shows on /salud/, and drains when the cluster returns. Rebuilds with ``reindexar``."""

import socket
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cgii.busqueda import backends, buscar
from cgii.busqueda.models import DocumentoBusqueda
from cgii.eventos.models import EntregaSumidero, EstadoSumidero, Evento
from cgii.eventos.selectors import backlog
from cgii.eventos.services import eventos_reintentar
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db

# /salud/ details go to staff or a monitoring token (issue 16).
MONITOR = "token-de-monitoreo"


@pytest.fixture(autouse=True)
def _token_de_monitoreo(settings):
    settings.SALUD_TOKEN = MONITOR


def puerto_cerrado() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cluster_down_reports_accepted_backlog_drains(elasticsearch, settings, api, catalogos,
                                                      reportante_a, entidad_a, analista,
                                                      despachar, client):
    url_real = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{puerto_cerrado()}"
    backends.olvidar_backends()

    c = api(reportante_a)
    inicio = time.monotonic()
    for i in range(3):
        r = c.post("/api/v1/incidentes/", {
            "entidad": entidad_a.pk, "titulo": f"Ransomware en servidor {i}",
            "descripcion": "Archivos cifrados con extensión .lockbit",
            "detectado_en": "2026-11-20T10:00:00-04:00"}, format="json")
        assert r.status_code == 201, r.content
    assert time.monotonic() - inicio < 10  # writes never touch the cluster

    despachar()
    # The live stream went out; the search sink tried once, failed, and paused itself
    # (one refused connection, not one per event).
    assert not Evento.objects.filter(entregado_en__isnull=True, tipo="incidente.creado").exists()
    pendientes = EntregaSumidero.objects.filter(sumidero="busqueda.incidentes",
                                                evento__tipo="incidente.creado")
    assert pendientes.count() == 3
    assert [e.intentos for e in pendientes.order_by("id")] == [1, 0, 0]
    estado = EstadoSumidero.objects.get(nombre="busqueda.incidentes")
    assert estado.fallos_seguidos == 1 and estado.pausado_hasta is not None
    # The first pause lasts 1 s; a loaded machine can take longer than that to get here,
    # so the pause is stretched before checking that the backlog and /salud/ report it.
    estado.pausado_hasta = timezone.now() + timedelta(minutes=1)
    estado.save(update_fields=["pausado_hasta"])
    assert "busqueda.incidentes" in backlog().sumideros_pausados
    assert backlog().sumideros["busqueda.incidentes"] >= 3

    salud = client.get("/salud/", HTTP_X_SALUD_TOKEN=MONITOR).json()
    assert salud["base_de_datos"] is True
    assert salud["busqueda"]["ok"] is False
    assert salud["outbox"]["sumideros"]["busqueda.incidentes"] >= 3
    assert "busqueda.incidentes" in salud["outbox"]["sumideros_pausados"]
    with pytest.raises(Exception) as info:
        buscar(analista, "ransomware")
    assert getattr(info.value, "status", None) == 503

    # the cluster is back: the retries (backoff skipped here) drain the backlog
    settings.ELASTICSEARCH_URL = url_real
    backends.olvidar_backends()
    eventos_reintentar(ids=list(pendientes.values_list("evento_id", flat=True)))
    despachar()
    assert backlog().sumideros == {}
    assert buscar(analista, "ransomware").total == 3
    assert client.get("/salud/", HTTP_X_SALUD_TOKEN=MONITOR).json()["busqueda"]["ok"] is True


def test_salud_reports_every_part(backend, client, catalogos, reportante_a, entidad_a):
    reportar(reportante_a, entidad_a)
    datos = client.get("/salud/", HTTP_X_SALUD_TOKEN=MONITOR).json()
    assert datos["base_de_datos"] is True
    assert set(datos) >= {"redis", "celery", "busqueda", "outbox", "sano"}
    assert datos["busqueda"]["backend"] == backend.nombre and datos["busqueda"]["ok"]
    assert datos["outbox"]["pendientes"] >= 1 and datos["outbox"]["antiguedad_segundos"] >= 0


def test_reindexar_elasticsearch_swaps_the_alias(elasticsearch, catalogos, reportante_a,
                                                  entidad_a, analista, despachar):
    for i in range(3):
        reportar(reportante_a, entidad_a, titulo=f"Defacement del portal {i}")
    despachar()
    alias = elasticsearch.alias("incidentes")
    antes = elasticsearch._concretos("incidentes")
    salida = StringIO()
    call_command("reindexar", "--indice", "incidentes", stdout=salida)
    texto = salida.getvalue()
    assert "incidente" in texto and "100.0%" in texto and "3/3" in texto
    despues = elasticsearch._concretos("incidentes")
    assert len(despues) == 1 and despues != antes
    assert list(elasticsearch.cliente.indices.get_alias(name=alias).body) == despues
    assert buscar(analista, "defacement").total == 3
    # other indexes untouched by --indice
    call_command("reindexar", stdout=StringIO())
    assert buscar(analista, entidad_a.sigla, tipos=["entidad"]).total == 1


def test_reindexar_database_rebuilds_rows(backend, catalogos, reportante_a, entidad_a,
                                          analista, despachar, settings):
    if backend.nombre != "database":
        pytest.skip("covered by the alias test")
    inc = reportar(reportante_a, entidad_a, titulo="Intrusión en la VPN")
    DocumentoBusqueda.objects.create(tipo="incidente", objeto_id=999_999, titulo="huérfano",
                                     entidades=[entidad_a.pk])
    assert buscar(analista, "intrusión").total == 0  # not dispatched yet
    call_command("reindexar", stdout=StringIO())
    assert [a.objeto_id for a in buscar(analista, "intrusión").aciertos] == [inc.pk]
    assert not DocumentoBusqueda.objects.filter(objeto_id=999_999).exists()


def test_reindexar_unknown_index(backend):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reindexar", "--indice", "nada", stdout=StringIO())


def test_sink_is_idempotent(backend, catalogos, reportante_a, entidad_a, analista):
    from cgii.busqueda.sumidero import actualizar

    inc = reportar(reportante_a, entidad_a, titulo="Fuga de datos")
    actualizar({"incidente": [inc.pk]})
    actualizar({"incidente": [inc.pk]})
    assert buscar(analista, "fuga").total == 1
    actualizar({"incidente": [inc.pk + 1000]})  # unknown id → deleted (nothing to delete)
    assert buscar(analista, "fuga").total == 1
