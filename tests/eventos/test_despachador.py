"""The live send: positions committed before the send, stream order, backoff, crashes."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cgii.eventos import despachador, grupos
from cgii.eventos.despachador import despachar, difundir_pendientes, espera_segundos
from cgii.eventos.models import Evento
from cgii.eventos.services import evento_emitir
from tests.eventos.conftest import capa_redis


def _emitir(tipo: str = "prueba.algo", **campos) -> Evento:
    with transaction.atomic():
        return evento_emitir(tipo=tipo, datos=campos.pop("datos", {}),
                             grupos=campos.pop("grupos", [grupos.GRUPO_PERSONAL_CGII]),
                             **campos)


def _vencer(evento: Evento) -> None:
    Evento.objects.filter(pk=evento.pk).update(disponible_desde=timezone.now())


def test_envia_y_marca_por_orden_en_lotes_con_posiciones_seguidas(db):
    eventos = [_emitir(datos={"n": i}) for i in range(3)]
    assert despachar(lote=2) == 2
    assert [e.pendiente for e in Evento.objects.order_by("id")] == [False, False, True]
    assert despachar() == 1
    assert despachar() == 0
    for evento in eventos:
        evento.refresh_from_db()
        assert evento.entregado_en is not None and evento.intentos == 0
    secuencias = [e.secuencia for e in Evento.objects.order_by("id")]
    assert secuencias == list(range(secuencias[0], secuencias[0] + 3))


def test_un_evento_sin_grupos_no_pasa_por_el_envio_en_vivo(db):
    evento = _emitir(grupos=[])
    assert evento.entregado_en is not None and evento.secuencia is None
    assert difundir_pendientes() == 0


def test_un_evento_que_no_vence_todavia_espera(db):
    evento = _emitir()
    Evento.objects.filter(pk=evento.pk).update(
        disponible_desde=timezone.now() + timedelta(minutes=1))
    assert despachar() == 0
    _vencer(evento)
    assert despachar() == 1


def test_espera_exponencial_con_tope():
    assert [espera_segundos(n) for n in (1, 2, 3, 8)] == [2, 4, 8, 256]
    assert espera_segundos(9) == espera_segundos(1000) == 300


def test_un_mensaje_que_la_capa_rechaza_no_arrastra_al_resto_ni_se_reintenta(db):
    """A message the layer refuses by itself (here: an invalid group name on an edited row)
    will never go out live: it is marked sent with its error — clients get it from the
    table — and does not hold back the events behind it."""
    malo = _emitir()
    Evento.objects.filter(pk=malo.pk).update(grupos=["nombre inválido"])
    bueno = _emitir()
    assert despachar() == 1
    malo.refresh_from_db()
    bueno.refresh_from_db()
    assert bueno.entregado_en is not None and bueno.secuencia > malo.secuencia
    assert malo.entregado_en is not None and "capa de canales" in malo.ultimo_error


@pytest.mark.django_db(transaction=True)
def test_las_posiciones_se_confirman_antes_del_envio(monkeypatch):
    """The fix for the lost batch: by the time a message goes out, its position is already
    committed — another connection (a client reconnecting right now) can replay it."""
    from cgii.eventos.selectors import eventos_desde

    vistos_desde_otra_conexion = []
    enviar_original = despachador._difundir

    def difundir_espiando(eventos):
        def leer():
            try:
                repeticion = eventos_desde(grupos_permitidos=[grupos.GRUPO_PERSONAL_CGII],
                                           desde=0)
                vistos_desde_otra_conexion.extend(m["id"] for m in repeticion.mensajes)
            finally:
                connection.close()

        hilo = threading.Thread(target=leer)
        hilo.start()
        hilo.join(10)
        return enviar_original(eventos)

    monkeypatch.setattr(despachador, "_difundir", difundir_espiando)
    ids = [_emitir(datos={"n": i}).pk for i in range(3)]
    assert difundir_pendientes() == 3
    assert vistos_desde_otra_conexion == ids


@pytest.mark.django_db(transaction=True)
def test_numerados_sin_enviar_por_una_caida_se_envian_primero_y_en_orden(monkeypatch):
    """A sender that died after committing positions and before sending: the next round
    sends those first, in position order, before numbering anything new."""
    enviados = []

    def murio(eventos):
        raise SystemExit("kill -9 simulado")

    primeros = [_emitir(datos={"n": i}) for i in range(2)]
    monkeypatch.setattr(despachador, "_difundir", murio)
    with pytest.raises(SystemExit):
        difundir_pendientes()
    for evento in primeros:
        evento.refresh_from_db()
        assert evento.secuencia is not None and evento.entregado_en is None
    tardio = _emitir(datos={"n": 2})

    def registrar(eventos):
        enviados.extend((e.pk, e.secuencia) for e in eventos)
        return {}, False

    monkeypatch.setattr(despachador, "_difundir", registrar)
    assert difundir_pendientes() == 3
    assert [pk for pk, _ in enviados] == [primeros[0].pk, primeros[1].pk, tardio.pk]
    assert [s for _, s in enviados] == sorted(s for _, s in enviados)


@pytest.mark.django_db(transaction=True)
def test_con_la_capa_caida_nada_nuevo_adelanta_a_lo_que_espera(monkeypatch):
    """Redis down: the batch keeps its positions and backs off; newer events are not
    numbered past it (the stream stays in order), and it all goes out when Redis is back."""
    from tests.eventos.conftest import _puerto_libre

    viejo = _emitir()
    with capa_redis(f"redis://127.0.0.1:{_puerto_libre()}/0"):
        assert difundir_pendientes() == 0
    viejo.refresh_from_db()
    assert viejo.intentos == 1 and viejo.secuencia is not None and viejo.pendiente
    assert viejo.disponible_desde > timezone.now()
    nuevo = _emitir()
    assert difundir_pendientes() == 0  # waiting behind the backing-off one
    nuevo.refresh_from_db()
    assert nuevo.secuencia is None
    _vencer(viejo)
    assert difundir_pendientes() == 2
    viejo.refresh_from_db()
    nuevo.refresh_from_db()
    assert nuevo.secuencia == viejo.secuencia + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_una_fila_bloqueada_por_otro_no_detiene_la_numeracion():
    bloqueado, libre = _emitir(), _emitir()
    tomado, soltar = threading.Event(), threading.Event()

    def otro():
        try:
            with transaction.atomic():
                Evento.objects.select_for_update().get(pk=bloqueado.pk)
                tomado.set()
                soltar.wait(10)
        finally:
            connection.close()

    hilo = threading.Thread(target=otro)
    hilo.start()
    try:
        assert tomado.wait(10)
        assert difundir_pendientes() == 1  # does not wait for the locked row
    finally:
        soltar.set()
        hilo.join(10)
    bloqueado.refresh_from_db()
    libre.refresh_from_db()
    assert bloqueado.pendiente and bloqueado.intentos == 0
    assert libre.entregado_en is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks need PostgreSQL")
def test_un_segundo_emisor_no_espera_y_el_primero_recoge_lo_que_llego_mientras(monkeypatch):
    """One sender at a time. A second request finds the lock taken and returns at once;
    the holder looks again after releasing, so an event committed meanwhile goes out
    without waiting for the sweep."""
    en_envio, seguir = threading.Event(), threading.Event()
    enviar_original = despachador._difundir
    resultado = {}

    def lento(eventos):
        en_envio.set()
        seguir.wait(10)
        return enviar_original(eventos)

    monkeypatch.setattr(despachador, "_difundir", lento)
    _emitir()

    def primero():
        try:
            resultado["primero"] = difundir_pendientes()
        finally:
            connection.close()

    hilo = threading.Thread(target=primero)
    hilo.start()
    assert en_envio.wait(10)
    monkeypatch.setattr(despachador, "_difundir", enviar_original)
    tardio = _emitir()
    assert difundir_pendientes() == 0  # the lock is taken: back at once
    seguir.set()
    hilo.join(10)
    assert resultado["primero"] == 2
    tardio.refresh_from_db()
    assert tardio.entregado_en is not None
