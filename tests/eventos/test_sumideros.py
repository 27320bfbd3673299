"""Sinks: each over its own queue, exactly-once database effects, backoff and pause per
sink, and isolation — a hung sink holds up neither the live stream nor the other sinks."""

import logging
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from cgii.eventos import grupos, sumideros
from cgii.eventos.despachador import difundir_pendientes
from cgii.eventos.models import EntregaSumidero, EstadoSumidero, Evento
from cgii.eventos.registro import registrar_manejador
from cgii.eventos.selectors import backlog
from cgii.eventos.services import evento_emitir, eventos_reintentar
from tests.eventos.conftest import cabeceras_de, conectar


def _emitir(tipo: str = "prueba.algo", destino=None) -> Evento:
    with transaction.atomic():
        return evento_emitir(tipo=tipo, datos={},
                             grupos=[grupos.GRUPO_PERSONAL_CGII] if destino is None else destino)


def _sin_pausa(nombre: str) -> None:
    EstadoSumidero.objects.filter(nombre=nombre).update(pausado_hasta=None)
    EntregaSumidero.objects.filter(sumidero=nombre).update(disponible_desde=timezone.now())


def test_cada_sumidero_que_acepta_el_tipo_recibe_su_fila_con_el_evento(db):
    registrar_manejador(nombre="prueba.todo", tipos=("prueba.*",), funcion=lambda e: None)
    registrar_manejador(nombre="prueba.otro", tipos=("otro.cosa",), funcion=lambda e: None)
    evento = _emitir()
    assert set(evento.entregas_sumidero.values_list("sumidero", flat=True)) >= {"prueba.todo"}
    assert not evento.entregas_sumidero.filter(sumidero="prueba.otro").exists()


def test_un_sumidero_que_falla_reintenta_solo_el_y_el_efecto_queda_una_vez(db):
    llamadas = {"ok": 0, "fragil": 0}

    def ok(evento):
        llamadas["ok"] += 1
        Group.objects.create(name=f"ok-{evento.pk}")

    def fragil(evento):
        llamadas["fragil"] += 1
        Group.objects.create(name=f"fragil-{evento.pk}")
        if llamadas["fragil"] == 1:
            raise RuntimeError("falla transitoria")

    registrar_manejador(nombre="prueba.ok", tipos=("prueba.*",), funcion=ok)
    registrar_manejador(nombre="prueba.fragil", tipos=("prueba.algo",), funcion=fragil)
    evento = _emitir()

    antes = timezone.now()
    assert difundir_pendientes() == 1  # the live send does not wait for any sink
    assert sumideros.ejecutar("prueba.ok") == 1
    assert sumideros.ejecutar("prueba.fragil") == 0
    entrega = EntregaSumidero.objects.get(evento=evento, sumidero="prueba.fragil")
    assert entrega.intentos == 1 and "falla transitoria" in entrega.ultimo_error
    assert entrega.disponible_desde >= antes + timedelta(seconds=2)
    assert not Group.objects.filter(name=f"fragil-{evento.pk}").exists()  # rolled back
    estado = EstadoSumidero.objects.get(nombre="prueba.fragil")
    assert estado.fallos_seguidos == 1 and estado.pausado_hasta > timezone.now()
    assert sumideros.ejecutar("prueba.fragil") == 0  # paused: not even tried
    assert llamadas["fragil"] == 1

    _sin_pausa("prueba.fragil")
    assert sumideros.ejecutar_todos() == 1
    assert llamadas == {"ok": 1, "fragil": 2}
    assert Group.objects.filter(name__endswith=f"-{evento.pk}").count() == 2
    assert not EntregaSumidero.objects.filter(evento=evento).exists()
    estado.refresh_from_db()
    assert estado.fallos_seguidos == 0 and estado.pausado_hasta is None
    assert sumideros.ejecutar_todos() == 0  # done rows are gone: nothing runs twice


@override_settings(EVENTOS_MAX_INTENTOS=3)
def test_una_fila_envenenada_queda_agotada_sin_bloquear_a_las_demas(db, caplog):
    vistos = []

    def exigente(evento):
        if evento.datos.get("roto"):
            raise ValueError("roto")
        vistos.append(evento.pk)

    registrar_manejador(nombre="prueba.exigente", tipos=("prueba.algo",), funcion=exigente)
    with transaction.atomic():
        veneno = evento_emitir(tipo="prueba.algo", datos={"roto": True}, grupos=[])
        sanos = [evento_emitir(tipo="prueba.algo", datos={}, grupos=[]) for _ in range(2)]
    assert sumideros.ejecutar("prueba.exigente") == 0  # the poison row is first
    assert vistos == []
    # The sink's pause ends before the poison row's own backoff: the others go through.
    EstadoSumidero.objects.filter(nombre="prueba.exigente").update(pausado_hasta=None)
    assert sumideros.ejecutar("prueba.exigente") == 2
    assert vistos == [e.pk for e in sanos]
    with caplog.at_level(logging.ERROR, "cgii.eventos.sumideros"):
        for _ in range(2):
            _sin_pausa("prueba.exigente")
            sumideros.ejecutar("prueba.exigente")
    entrega = EntregaSumidero.objects.get(evento=veneno)
    assert entrega.intentos == 3 and entrega.agotado
    assert "agotó 3 intentos" in caplog.text
    estado = backlog()
    assert estado.agotados == 1 and not estado.sano
    assert estado.sumideros == {"prueba.exigente": 1}
    assert "prueba.exigente" in estado.sumideros_pausados
    # Never dropped: "reintentar ahora" makes it due and lifts the pause.
    assert eventos_reintentar(ids=[veneno.pk]) == 1
    assert not EstadoSumidero.objects.get(nombre="prueba.exigente").pausado_hasta


def test_un_sumidero_sin_registrar_deja_sus_filas_y_avisa(db, caplog):
    evento = _emitir(destino=[])
    EntregaSumidero.objects.create(evento=evento, sumidero="prueba.ya_no_existe")
    with caplog.at_level(logging.WARNING, "cgii.eventos.sumideros"):
        assert sumideros.ejecutar("prueba.ya_no_existe") == 0
    assert "no está registrado" in caplog.text
    assert EntregaSumidero.objects.filter(sumidero="prueba.ya_no_existe").exists()


@pytest.mark.django_db(transaction=True)
def test_un_sumidero_colgado_no_detiene_el_flujo_en_vivo_ni_a_otro_sumidero(analista):
    """The search cluster hangs: its runner waits (here, until released), while the live
    stream reaches a connected client and another sink does its work."""
    colgado, soltar = threading.Event(), threading.Event()
    otros = []

    def busqueda_colgada(evento):
        colgado.set()
        soltar.wait(20)

    registrar_manejador(nombre="prueba.colgado", tipos=("incidente.*",), funcion=busqueda_colgada)
    registrar_manejador(nombre="prueba.rapido", tipos=("incidente.*",),
                        funcion=lambda e: otros.append(e.pk))
    cabeceras = cabeceras_de(analista)

    def correr_colgado():
        try:
            sumideros.ejecutar("prueba.colgado")
        finally:
            connection.close()

    async def escenario():
        ws = await conectar(cabeceras)
        emitir = database_sync_to_async(_emitir)
        primero = await emitir("incidente.creado")
        hilo = threading.Thread(target=correr_colgado)
        hilo.start()
        assert await database_sync_to_async(colgado.wait)(10)
        segundo = await emitir("incidente.actualizado")
        enviados = await database_sync_to_async(difundir_pendientes)()
        recibidos = [await ws.receive_json_from(timeout=5) for _ in range(2)]
        rapido = await database_sync_to_async(sumideros.ejecutar)("prueba.rapido")
        # A second runner of the hung sink returns at once (the sink's lock is taken).
        otro_colgado = await database_sync_to_async(sumideros.ejecutar)("prueba.colgado")
        soltar.set()
        await database_sync_to_async(hilo.join)(20)
        await ws.disconnect()
        return primero, segundo, enviados, recibidos, rapido, otro_colgado

    primero, segundo, enviados, recibidos, rapido, otro_colgado = async_to_sync(escenario)()
    assert enviados == 2
    assert [m["id"] for m in recibidos] == [primero.pk, segundo.pk]
    assert rapido == 2 and otros == [primero.pk, segundo.pk]
    assert otro_colgado == 0
    assert not EntregaSumidero.objects.filter(sumidero="prueba.rapido").exists()
