"""Redis down at commit time, back later: the event is delivered (DESIGN §3.5).

Delivery is stopped for real (a redis-server this test owns is shut down), the outbox is
not mocked.
"""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cgii.asgi import application
from cgii.eventos import grupos
from cgii.eventos.despachador import despachar, despachar_pendientes
from cgii.eventos.models import Evento
from cgii.eventos.services import evento_emitir
from tests.eventos.conftest import (
    _puerto_libre,
    broker_celery,
    cabeceras_de,
    capa_redis,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _hacer_vencer(pk: int) -> None:
    Evento.objects.filter(pk=pk).update(disponible_desde=timezone.now())


@override_settings(EMBEBIDO=False)
def test_evento_confirmado_con_redis_caido_se_entrega_cuando_vuelve(
        servidor_redis, reportante_a, entidad_a):
    cabeceras = cabeceras_de(reportante_a)
    servidor_redis.iniciar()
    # In the full stack Redis is both the channel layer and the Celery broker.
    with capa_redis(servidor_redis.url), broker_celery(servidor_redis.url):
        servidor_redis.detener()

        with transaction.atomic():
            evento = evento_emitir(tipo="incidente.actualizado", datos={"estado": "en_triaje"},
                                   grupos=[grupos.grupo_entidad(entidad_a.pk)],
                                   entidad_id=entidad_a.pk)
        # The write committed (the on_commit dispatch request failed quietly).
        assert Evento.objects.filter(pk=evento.pk).exists()

        assert despachar() == 0
        evento.refresh_from_db()
        assert evento.pendiente and evento.intentos == 1
        assert "capa de canales" in evento.ultimo_error
        assert evento.disponible_desde > timezone.now()
        assert despachar() == 0  # backing off: not even tried
        evento.refresh_from_db()
        assert evento.intentos == 1

        servidor_redis.iniciar()

        async def escenario():
            # A client that had everything before the event (position committed while
            # Redis was down) gets it back from the table at once...
            ws = WebsocketCommunicator(application, f"/ws/eventos/?desde={evento.secuencia - 1}",
                                       headers=cabeceras)
            assert (await ws.connect(timeout=5))[0]
            mensaje = await ws.receive_json_from(timeout=5)
            sincronizado = await ws.receive_json_from(timeout=5)
            # ...and the live send, when it finally happens, is not a duplicate.
            await database_sync_to_async(_hacer_vencer)(evento.pk)
            entregados = await database_sync_to_async(despachar)()
            nada = await ws.receive_nothing(timeout=0.5)
            await ws.disconnect()
            return entregados, mensaje, sincronizado, nada

        entregados, mensaje, sincronizado, nada = async_to_sync(escenario)()

    assert entregados == 1 and nada
    assert mensaje["id"] == evento.pk and mensaje["datos"] == {"estado": "en_triaje"}
    assert sincronizado["tipo"] == "flujo.sincronizado" and sincronizado["completo"] is True
    evento.refresh_from_db()
    assert evento.entregado_en is not None and evento.intentos == 1


def test_con_la_capa_caida_un_lote_no_insiste_evento_por_evento(analista):
    with transaction.atomic():
        for i in range(3):
            evento_emitir(tipo="prueba.algo", datos={"n": i}, grupos=[grupos.GRUPO_PERSONAL_CGII])
    with capa_redis(f"redis://127.0.0.1:{_puerto_libre()}/0"):
        assert despachar_pendientes() == 0
    filas = list(Evento.objects.order_by("id").values_list("intentos", "ultimo_error"))
    assert [intentos for intentos, _ in filas] == [1, 1, 1]
    assert all("capa de canales" in error for _, error in filas)
