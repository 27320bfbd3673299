"""The pages (issue 19): the host tables as the entity sees them (filters, CSV, tenant
isolation: another entity's table is a 404 on every door), the hosts section of the incident
detail, the "sin entidad" queue, the registry pages and the feeds report."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from incidentes.fuentes.models import Agregacion, Fuente, Politica
from incidentes.fuentes.services import consolidar_pendientes
from incidentes.fuentes.services.ingesta import guardar
from incidentes.fuentes.validacion import validar_lote
from incidentes.models import Incidente
from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario

from .utiles import evento

pytestmark = pytest.mark.django_db


def recibir(*eventos):
    validos, errores = validar_lote(list(eventos))
    assert not errores
    return guardar(validos)


@pytest.fixture
def escenario(catalogos, registro, entidad_a, entidad_b):
    """B: an incident with 30 hosts (policy incidente); A: a notice with 2 hosts."""
    Fuente.objects.create(proveedor="Shadowserver", nombre="Accessible-RDP",
                          politica=Politica.INCIDENTE)
    recibir(*[evento(f"200.87.12.{i}", **{"source.port": 3389 if i % 2 else 3390})
              for i in range(1, 31)])
    recibir(*[evento(f"200.87.50.{i}", **{"feed.name": "Open-Redis",
                                          "classification.type": "vulnerable-system",
                                          "classification.identifier": "open-redis"})
              for i in (1, 2)])
    consolidar_pendientes(espera_minima=timedelta(0))
    return {"incidente_b": Incidente.objects.get(entidad=entidad_b),
            "aviso_a": Agregacion.objects.get(entidad=entidad_a),
            "agregacion_b": Agregacion.objects.get(entidad=entidad_b)}


@pytest.fixture
def usuario_b(entidad_b):
    return crear_usuario(username="rsi_b", entidad=entidad_b, rol_entidad="rsi")


def cliente(usuario) -> Client:
    return ingresar(Client(), usuario)


def test_la_entidad_ve_su_tabla_filtra_y_descarga_csv(escenario, usuario_b):
    c = cliente(usuario_b)
    incidente = escenario["incidente_b"]
    pagina = c.get(f"/fuentes/incidentes/{incidente.pk}/hosts/")
    assert pagina.status_code == 200
    assert "30 hosts afectados" in pagina.content.decode()
    filtrada = c.get(f"/fuentes/incidentes/{incidente.pk}/hosts/",
                     {"host": "200.87.12.0/28", "puerto": "3389"}).content.decode()
    assert "8 hosts afectados" in filtrada  # .1 .3 … .15 (odd: port 3389)
    respuesta = c.get(f"/fuentes/incidentes/{incidente.pk}/hosts.csv", {"host": "200.87.12.1"})
    filas = list(csv.reader(io.StringIO(b"".join(respuesta.streaming_content)
                                        .decode("utf-8-sig"))))
    assert filas[0] == ["ip", "fqdn", "puerto", "protocolo", "momento", "identificador",
                        "clasificacion", "asn"]
    assert [f[0] for f in filas[1:]] == ["200.87.12.1"]
    todo = c.get(f"/fuentes/incidentes/{incidente.pk}/hosts.csv")
    assert len(b"".join(todo.streaming_content).splitlines()) == 31


def test_aislamiento_de_las_tablas_de_hosts(escenario, usuario_b, rsi_a):
    incidente_b, aviso_a = escenario["incidente_b"], escenario["aviso_a"]
    agregacion_b = escenario["agregacion_b"]
    a = cliente(rsi_a)
    for url in (f"/fuentes/incidentes/{incidente_b.pk}/hosts/",
                f"/fuentes/incidentes/{incidente_b.pk}/hosts.csv",
                f"/fuentes/agregaciones/{agregacion_b.pk}/",
                f"/fuentes/agregaciones/{agregacion_b.pk}/hosts.csv",
                f"/incidentes/{incidente_b.pk}/"):
        assert a.get(url).status_code == 404, url
    assert a.post(f"/fuentes/agregaciones/{agregacion_b.pk}/acusar/").status_code == 404
    assert a.get(f"/fuentes/agregaciones/{aviso_a.pk}/").status_code == 200
    # B's list never shows A's notice, and the other way round.
    b = cliente(usuario_b)
    assert f"/fuentes/agregaciones/{aviso_a.pk}/" not in b.get("/fuentes/").content.decode()
    assert f"/fuentes/agregaciones/{agregacion_b.pk}/" not in \
        a.get("/fuentes/").content.decode()
    assert b.get("/fuentes/sin-entidad/").status_code == 404


def test_detalle_del_incidente_muestra_los_hosts_y_el_acuse(escenario, usuario_b, analista):
    incidente = escenario["incidente_b"]
    html = cliente(usuario_b).get(f"/incidentes/{incidente.pk}/").content.decode()
    assert 'id="hosts-afectados"' in html and "200.87.12." in html
    assert "Acusar recibo de los 30 hosts" in html
    respuesta = cliente(usuario_b).post(
        f"/fuentes/agregaciones/{escenario['agregacion_b'].pk}/acusar/", {"volver": "incidente"})
    assert respuesta.status_code == 302 and respuesta.url == f"/incidentes/{incidente.pk}/"
    assert Agregacion.objects.get(pk=escenario["agregacion_b"].pk).acusado_en is not None
    personal = cliente(analista).get(f"/incidentes/{incidente.pk}/").content.decode()
    assert 'id="hosts-afectados"' in personal and "Acusar recibo de los" not in personal


def test_cola_sin_entidad_y_reenrutar(catalogos, registro, entidad_a, analista):
    recibir(evento("190.5.5.5", **{"source.asn": 6568}))
    c = cliente(analista)
    html = c.get("/fuentes/sin-entidad/").content.decode()
    assert "190.5.5.5" in html and "6568" in html and "190.5.5.0/24" in html
    assert "200.87.0.0/16" in html  # closest registered network
    respuesta = c.post("/fuentes/sin-entidad/reenrutar/",
                       {"entidad": entidad_a.pk, "tipo": "red", "valor": "190.5.5.0/24"})
    assert respuesta.status_code == 302
    assert Agregacion.objects.get().entidad_id == entidad_a.pk


def test_paginas_del_registro(catalogos, registro, entidad_a, entidad_b, rsi_a, analista):
    a = cliente(rsi_a)
    assert a.get("/entidades/").url == f"/entidades/{entidad_a.pk}/"
    assert "200.87.0.0/16" in a.get(f"/entidades/{entidad_a.pk}/").content.decode()
    assert a.get(f"/entidades/{entidad_b.pk}/").status_code == 404
    a.post(f"/entidades/{entidad_a.pk}/registro/", {"tipo": "red", "valor": "203.0.113.0/24"})
    personal = cliente(analista)
    inicio = personal.get("/entidades/").content.decode()
    assert "200.87.12.0/24" in inicio and "lo más específico gana" in inicio
    exportado = personal.get("/entidades/exportar.csv").content.decode("utf-8-sig")
    assert "203.0.113.0/24,propuesto" in exportado


def test_informe_de_fuentes(escenario, usuario_b, analista):
    html = cliente(analista).get("/reportes/fuentes-externas/").content.decode()
    assert "Hosts afectados por clase y mes" in html and escenario["incidente_b"].entidad.sigla \
        in html
    propio = cliente(usuario_b).get("/reportes/fuentes-externas/").content.decode()
    assert escenario["aviso_a"].entidad.sigla not in propio.split("Por entidad")[-1]


def test_conteo_filtrado_con_tope(escenario, usuario_b, monkeypatch):
    """The unfiltered table's size comes from the counters; a filtered one is counted up to
    a cap (then "más de", and the CSV keeps every row)."""
    from incidentes.fuentes.selectors import PaginadorPorIds

    monkeypatch.setattr(PaginadorPorIds, "TOPE", 10)
    c = cliente(usuario_b)
    url = f"/fuentes/incidentes/{escenario['incidente_b'].pk}/hosts"
    assert "30 hosts afectados" in c.get(url + "/").content.decode()
    assert "Más de 10 hosts afectados" in c.get(url + "/", {"puerto": "3389"}).content.decode()
    csv_filtrado = b"".join(c.get(url + ".csv", {"puerto": "3389"}).streaming_content)
    assert len(csv_filtrado.splitlines()) == 16
