"""One queued run per target: a commit whose run is already waiting publishes nothing
(cgii.eventos.solicitudes; issue 22: the intake's publishes were ~10 % of its CPU)."""

import pytest
import redis
from django.conf import settings
from kombu.exceptions import OperationalError

from cgii.eventos import services, solicitudes, tasks

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (CI has it)")


def test_mientras_espera_una_corrida_no_se_publica_otra(db, enviados, monkeypatch):
    services.solicitar_despacho(sumideros=("notificaciones", "reparto"))
    services.solicitar_despacho(sumideros=("notificaciones", "reparto"))
    services.solicitar_despacho(sumideros=("reparto", "busqueda"))
    assert enviados == ["vivo", ("juntos", ("notificaciones", "reparto")), "busqueda"]

    # The live run starts: it frees its flag before reading the outbox, so the next commit
    # asks again; the sinks' runs have not started, so nothing is published for them.
    monkeypatch.setattr(tasks.despachador, "difundir_pendientes", lambda: 0)
    tasks.despachar_eventos.run()
    enviados.clear()
    services.solicitar_despacho(sumideros=("notificaciones",))
    assert enviados == ["vivo"]

    monkeypatch.setattr(tasks.sumideros, "ejecutar", lambda nombre: 0)
    tasks.ejecutar_sumidero.run("notificaciones")
    enviados.clear()
    services.solicitar_despacho(sumideros=("notificaciones", "reparto"))
    assert enviados == ["notificaciones"]


def test_una_publicacion_fallida_no_deja_la_marca(db, enviados, monkeypatch):
    def caido():
        raise OperationalError("broker caído")

    monkeypatch.setattr(tasks.despachar_eventos, "delay", caido)
    services.solicitar_despacho()
    assert solicitudes.reservar([solicitudes.VIVO]) == [solicitudes.VIVO]


def test_sin_redis_se_publica_todo(db, enviados, monkeypatch):
    class Roto:
        def pipeline(self, **_kw):
            raise redis.ConnectionError("sin redis")

    monkeypatch.setattr(solicitudes, "_redis", lambda: Roto())
    services.solicitar_despacho(sumideros=("reparto",))
    services.solicitar_despacho(sumideros=("reparto",))
    assert enviados == ["vivo", "reparto", "vivo", "reparto"]


def test_las_marcas_caducan_solas(db, enviados):
    services.solicitar_despacho()
    clave = solicitudes._prefijo() + solicitudes.VIVO
    assert 0 < solicitudes._redis().ttl(clave) <= solicitudes.VIGENCIA_SEGUNDOS
