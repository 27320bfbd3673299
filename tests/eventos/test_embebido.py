"""Embedded profile: ticker thread, periodic jobs, in-memory layer inside one process."""

import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import override_settings

from cgii.eventos import embebido, grupos
from cgii.eventos.models import Evento
from cgii.eventos.services import evento_emitir
from tests.eventos.conftest import cabeceras_de, capa_en_memoria, conectar

pytestmark = pytest.mark.django_db(transaction=True)


def _esperar(condicion, segundos: float = 5.0) -> bool:
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        if condicion():
            return True
        time.sleep(0.02)
    return False


def test_iniciar_es_idempotente_y_el_ticker_sobrevive_a_errores():
    corridas = []
    embebido.registrar_periodica(nombre="prueba.cuenta", cada_segundos=0.05,
                                 funcion=lambda: corridas.append(threading.current_thread()))

    def rota():
        raise RuntimeError("tarea periódica con un error")

    embebido.registrar_periodica(nombre="prueba.rota", cada_segundos=0.05, funcion=rota)
    try:
        assert embebido.iniciar_ticker() is True
        assert embebido.iniciar_ticker() is False
        hilos = [h for h in threading.enumerate() if h.name == "cgii-eventos-ticker"]
        assert len(hilos) == 1 and hilos[0].daemon
        # Periodic jobs run on the ~1 s tick (or earlier when woken).
        for _ in range(3):
            embebido.despertar()
            time.sleep(0.1)
        assert _esperar(lambda: len(corridas) >= 2)
        assert corridas[0].name == "cgii-eventos-ticker"
        assert embebido.ticker_activo()
    finally:
        embebido.desregistrar_periodica("prueba.cuenta")
        embebido.desregistrar_periodica("prueba.rota")
        embebido.detener_ticker()
    assert not embebido.ticker_activo()
    assert embebido.despertar() is False


def test_periodica_con_intervalo_invalido():
    with pytest.raises(ValueError):
        embebido.registrar_periodica(nombre="x", cada_segundos=0, funcion=lambda: None)


@override_settings(EMBEBIDO=True)
def test_el_commit_despierta_al_ticker_que_entrega_al_websocket(analista):
    """The whole embedded path: commit → wake → ticker thread → in-memory layer on the
    server's event loop → browser socket."""
    cabeceras = cabeceras_de(analista)

    def emitir() -> int:
        with transaction.atomic():
            return evento_emitir(tipo="incidente.creado", datos={"codigo": "E-1"},
                                 grupos=[grupos.GRUPO_PERSONAL_CGII]).pk

    with capa_en_memoria():
        embebido.iniciar_ticker()

        async def escenario():
            ws = await conectar(cabeceras)
            inicio = time.monotonic()
            pk = await database_sync_to_async(emitir)()
            mensaje = await ws.receive_json_from(timeout=5)
            demora = time.monotonic() - inicio
            await ws.disconnect()
            return pk, mensaje, demora

        pk, mensaje, demora = async_to_sync(escenario)()
    assert mensaje["id"] == pk and mensaje["datos"] == {"codigo": "E-1"}
    assert demora < 0.9  # woken by the commit, not the 1 s tick
    assert _esperar(lambda: Evento.objects.get(pk=pk).entregado_en is not None)
