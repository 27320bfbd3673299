"""Concurrent duplicates on PostgreSQL: real threads, connections and row locks.

The first request is held inside its handler (after its key row is inserted) until the
second one is seen waiting on a lock in pg_stat_activity; only then is it let go. No
timing is asserted: the waits below are bounded polls that fail the test if never met.
"""

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear
from cgii.idempotencia.models import ClaveIdempotencia
from incidentes import services
from incidentes.models import Incidente

from .conftest import clave, reporte

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="row locks, lock_timeout and pg_stat_activity: PostgreSQL")]
URL = "/api/v1/incidentes/"


def _esperar_a_que_alguien_espere_un_bloqueo(limite: float = 30) -> None:
    fin = time.monotonic() + limite
    with connection.cursor() as cursor:
        while time.monotonic() < fin:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    pytest.fail("La segunda solicitud nunca quedó esperando el bloqueo de la clave.")


class _Retenido:
    """Wraps incidente_reportar: the first call waits for ``soltar``, then runs (or fails)."""

    def __init__(self, monkeypatch, *, fallar: bool = False):
        self.dentro, self.soltar = threading.Event(), threading.Event()
        self.llamadas, self.lock_timeout = 0, []
        self.fallar = fallar
        self.original = services.incidente_reportar
        monkeypatch.setattr(services, "incidente_reportar", self)

    def __call__(self, **kw):
        self.llamadas += 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            self.lock_timeout.append(cursor.fetchone()[0])
        if self.llamadas == 1:
            self.dentro.set()
            assert self.soltar.wait(60)
            if self.fallar:
                raise RuntimeError("el proceso muere a mitad de la solicitud")
        return self.original(**kw)


def _en_hilo(funcion) -> tuple[threading.Thread, list]:
    resultado = []

    def correr():
        try:
            resultado.append(funcion())
        finally:
            connection.close()

    hilo = threading.Thread(target=correr)
    hilo.start()
    return hilo, resultado


@pytest.fixture
def enviar(catalogos, reportante_a, entidad_a):
    _token, secreto = token_crear(usuario=reportante_a, nombre="integración", entidad=entidad_a,
                                  alcance="escritura")
    datos = reporte()

    def post():
        cliente = APIClient()
        cliente.raise_request_exception = False
        return cliente.post(URL, datos, format="json", HTTP_AUTHORIZATION=f"Token {secreto}",
                            **clave("concurrente-1"))
    return post


def test_dos_solicitudes_a_la_vez_con_la_misma_clave_crean_un_incidente(enviar, monkeypatch):
    retenido = _Retenido(monkeypatch)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        lock_timeout_normal = cursor.fetchone()[0]
    hilo1, r1 = _en_hilo(enviar)
    assert retenido.dentro.wait(60)
    hilo2, r2 = _en_hilo(enviar)
    _esperar_a_que_alguien_espere_un_bloqueo()
    retenido.soltar.set()
    hilo1.join(60)
    hilo2.join(60)
    (primera,), (segunda,) = r1, r2
    assert primera.status_code == segunda.status_code == 201, (primera.content, segunda.content)
    assert segunda["Idempotent-Replayed"] == "true" and segunda.content == primera.content
    assert Incidente.objects.count() == 1 and retenido.llamadas == 1
    # The bounded wait on the key does not leak into the handler's own statements.
    assert retenido.lock_timeout == [lock_timeout_normal]


def test_si_la_primera_falla_la_que_esperaba_se_ejecuta(enviar, monkeypatch):
    retenido = _Retenido(monkeypatch, fallar=True)
    hilo1, r1 = _en_hilo(enviar)
    assert retenido.dentro.wait(60)
    hilo2, r2 = _en_hilo(enviar)
    _esperar_a_que_alguien_espere_un_bloqueo()
    retenido.soltar.set()
    hilo1.join(60)
    hilo2.join(60)
    assert r1[0].status_code == 500
    assert r2[0].status_code == 201 and not r2[0].has_header("Idempotent-Replayed")
    assert Incidente.objects.count() == 1 and retenido.llamadas == 2
    assert ClaveIdempotencia.objects.get().codigo == 201


def test_la_espera_es_acotada_y_responde_409(enviar, monkeypatch, settings):
    settings.IDEMPOTENCIA_ESPERA_SEGUNDOS = 0.3
    retenido = _Retenido(monkeypatch)
    hilo1, r1 = _en_hilo(enviar)
    assert retenido.dentro.wait(60)
    hilo2, r2 = _en_hilo(enviar)
    hilo2.join(60)
    assert r2[0].status_code == 409
    assert "aún se está procesando" in r2[0].json()["message"]
    retenido.soltar.set()
    hilo1.join(60)
    assert r1[0].status_code == 201
    tercera = enviar()
    assert tercera["Idempotent-Replayed"] == "true" and tercera.content == r1[0].content
    assert Incidente.objects.count() == 1
