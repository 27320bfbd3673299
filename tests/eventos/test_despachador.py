import logging
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from cgii.eventos import grupos
from cgii.eventos.despachador import CONSUMIDOR_CANALES, despachar, espera_segundos
from cgii.eventos.models import ConsumoEvento, Evento
from cgii.eventos.registro import registrar_manejador
from cgii.eventos.selectors import backlog
from cgii.eventos.services import evento_emitir


def _emitir(tipo: str = "prueba.algo", **campos) -> Evento:
    with transaction.atomic():
        return evento_emitir(tipo=tipo, datos=campos.pop("datos", {}),
                             grupos=campos.pop("grupos", [grupos.GRUPO_PERSONAL_CGII]),
                             **campos)


def _vencer(evento: Evento) -> None:
    Evento.objects.filter(pk=evento.pk).update(disponible_desde=timezone.now())


def test_entrega_y_marca_por_orden_de_id_en_lotes(db):
    eventos = [_emitir(datos={"n": i}) for i in range(3)]
    assert despachar(lote=2) == 2
    assert [e.pendiente for e in Evento.objects.order_by("id")] == [False, False, True]
    assert despachar() == 1
    assert despachar() == 0
    for evento in eventos:
        evento.refresh_from_db()
        assert evento.entregado_en is not None and evento.intentos == 0


def test_un_evento_que_no_vence_todavia_espera(db):
    evento = _emitir()
    Evento.objects.filter(pk=evento.pk).update(
        disponible_desde=timezone.now() + timedelta(minutes=1))
    assert despachar() == 0
    _vencer(evento)
    assert despachar() == 1


def test_sumidero_que_falla_reintenta_con_espera_y_el_efecto_queda_una_vez(db):
    """At least once + idempotent consumer: the sink that failed runs again; the one that
    succeeded and the fan-out do not; the failed attempt's writes were rolled back."""
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
    assert despachar() == 0
    evento.refresh_from_db()
    assert evento.pendiente and evento.intentos == 1
    assert "prueba.fragil" in evento.ultimo_error and "falla transitoria" in evento.ultimo_error
    assert evento.disponible_desde >= antes + timedelta(seconds=2)
    assert not Group.objects.filter(name=f"fragil-{evento.pk}").exists()
    assert set(evento.consumos.values_list("consumidor", flat=True)) == {
        "prueba.ok", CONSUMIDOR_CANALES}

    _vencer(evento)
    assert despachar() == 1
    evento.refresh_from_db()
    assert evento.entregado_en is not None and evento.intentos == 1
    assert llamadas == {"ok": 1, "fragil": 2}
    assert Group.objects.filter(name__endswith=f"-{evento.pk}").count() == 2


def test_reentrega_no_repite_el_efecto(db):
    efectos = []
    registrar_manejador(nombre="prueba.efecto", tipos=("prueba.algo",),
                        funcion=lambda evento: efectos.append(evento.pk))
    evento = _emitir()
    assert despachar() == 1
    # Redelivery, as after a crash between the sink's commit and the marking.
    Evento.objects.filter(pk=evento.pk).update(entregado_en=None)
    assert despachar() == 1
    assert efectos == [evento.pk]
    assert ConsumoEvento.objects.filter(evento=evento, consumidor="prueba.efecto").count() == 1


def test_espera_exponencial_con_tope():
    assert [espera_segundos(n) for n in (1, 2, 3, 8)] == [2, 4, 8, 256]
    assert espera_segundos(9) == espera_segundos(1000) == 300


@override_settings(EVENTOS_MAX_INTENTOS=3)
def test_agotado_queda_pendiente_marcado_y_se_sigue_reintentando(db, caplog):
    def siempre_falla(evento):
        raise ValueError("roto")

    registrar_manejador(nombre="prueba.roto", tipos=("prueba.algo",), funcion=siempre_falla)
    evento = _emitir()
    sano = _emitir(tipo="prueba.otro")
    with caplog.at_level(logging.ERROR, "cgii.eventos.despachador"):
        for _ in range(3):
            _vencer(evento)
            despachar()
    evento.refresh_from_db()
    sano.refresh_from_db()
    assert sano.entregado_en is not None  # a poison event does not block the others
    assert evento.pendiente and evento.agotado and evento.intentos == 3
    assert "agotó 3 intentos" in caplog.text
    estado = backlog()
    assert (estado.pendientes, estado.agotados, estado.sano) == (1, 1, False)
    _vencer(evento)
    despachar()
    evento.refresh_from_db()
    assert evento.intentos == 4 and evento.pendiente  # never dropped


def test_un_mensaje_que_la_capa_rechaza_no_arrastra_al_resto(db):
    """Group names are validated at emit time; one that is invalid anyway (edited row)
    fails only its own event, not the batch."""
    malo = _emitir()
    Evento.objects.filter(pk=malo.pk).update(grupos=["nombre inválido"])
    bueno = _emitir()
    assert despachar() == 1
    malo.refresh_from_db()
    bueno.refresh_from_db()
    assert bueno.entregado_en is not None
    assert malo.pendiente and malo.intentos == 1 and "capa de canales" in malo.ultimo_error


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_varios_despachadores_se_saltan_las_filas_bloqueadas():
    bloqueado, libre = _emitir(), _emitir()
    tomado, soltar = threading.Event(), threading.Event()

    def otro_despachador():
        try:
            with transaction.atomic():
                Evento.objects.select_for_update().get(pk=bloqueado.pk)
                tomado.set()
                soltar.wait(10)
        finally:
            connection.close()

    hilo = threading.Thread(target=otro_despachador)
    hilo.start()
    try:
        assert tomado.wait(10)
        assert despachar() == 1  # does not wait for the locked row
    finally:
        soltar.set()
        hilo.join(10)
    bloqueado.refresh_from_db()
    libre.refresh_from_db()
    assert bloqueado.pendiente and bloqueado.intentos == 0
    assert libre.entregado_en is not None
