import datetime
import logging
import time

import pytest
import redis
from django.db import transaction
from django.test import override_settings

from cgii.eventos import grupos
from cgii.eventos.models import Evento
from cgii.eventos.registro import registrar_manejador
from cgii.eventos.services import EventoFueraDeTransaccion, evento_emitir
from tests.eventos.conftest import _puerto_libre, broker_celery, capa_en_memoria


def _emitir(**campos) -> Evento:
    datos = {"tipo": "prueba.algo", "datos": {"n": 1}, "grupos": [grupos.GRUPO_PERSONAL_CGII]}
    datos.update(campos)
    return evento_emitir(**datos)


@pytest.mark.django_db(transaction=True)
def test_fuera_de_una_transaccion_es_un_error():
    with pytest.raises(EventoFueraDeTransaccion, match="transaction.atomic"):
        _emitir()
    assert not Evento.objects.exists()


def test_guarda_la_fila_en_forma_json_y_pide_un_despacho_al_confirmar(
        db, django_capture_on_commit_callbacks):
    momento = datetime.datetime(2026, 3, 1, 12, 30, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            evento = _emitir(tipo="incidente.actualizado", datos={"cuando": momento},
                             grupos=[grupos.grupo_entidad(3), grupos.GRUPO_PERSONAL_CGII,
                                     grupos.grupo_entidad(3)],
                             entidad_id=3)
            assert callbacks == []
    guardado = Evento.objects.get()
    assert guardado == evento
    assert guardado.tipo == "incidente.actualizado"
    assert guardado.datos == evento.datos == {"cuando": "2026-03-01T12:30:00Z"}
    assert guardado.grupos == ["cgii.entidad.3", "cgii.personal"]
    assert guardado.entidad_id == 3
    assert guardado.pendiente and guardado.intentos == 0 and guardado.ultimo_error == ""
    assert guardado.disponible_desde <= guardado.creado + datetime.timedelta(seconds=1)
    assert len(callbacks) == 1


def test_un_rollback_no_deja_fila_ni_pedido_de_despacho(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="falla después"):
            with transaction.atomic():
                _emitir()
                raise RuntimeError("falla después del evento")
    assert callbacks == []
    assert not Evento.objects.exists()


@pytest.mark.parametrize("campos", [
    {"tipo": "sinespacio"}, {"tipo": "Incidente.Creado"}, {"tipo": "a." + "b" * 100},
    {"grupos": "cgii.personal"}, {"grupos": ["con espacio"]}, {"datos": ["lista"]},
])
def test_entradas_invalidas(db, campos):
    with pytest.raises(ValueError), transaction.atomic():
        _emitir(**campos)


def test_datos_no_serializables_fallan_en_la_transaccion_del_llamador(db):
    with pytest.raises(TypeError), transaction.atomic():
        _emitir(datos={"x": object()})


@override_settings(EMBEBIDO=False)
def test_pila_completa_publica_la_tarea_despues_del_commit(
        db, servidor_redis, django_capture_on_commit_callbacks):
    servidor_redis.iniciar()
    cola = redis.Redis.from_url(servidor_redis.url)
    with broker_celery(servidor_redis.url):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                _emitir()
            assert cola.llen("flujo") == 0  # nothing leaves before commit
    # The live send goes to its own queue (a worker of its own in production).
    assert cola.llen("flujo") == 1
    cola.close()


@override_settings(EMBEBIDO=False)
def test_broker_caido_no_rompe_ni_frena_la_escritura(
        db, django_capture_on_commit_callbacks, caplog):
    muerto = f"redis://127.0.0.1:{_puerto_libre()}/0"
    with broker_celery(muerto), caplog.at_level(logging.WARNING, "cgii.eventos.services"):
        inicio = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                evento = _emitir()
        primera = time.monotonic() - inicio
        # The next commits do not even try for a while (no connect timeout per write).
        inicio = time.monotonic()
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                with transaction.atomic():
                    _emitir()
        siguientes = time.monotonic() - inicio
    assert Evento.objects.filter(pk=evento.pk, entregado_en__isnull=True).exists()
    assert Evento.objects.count() == 4
    assert "lo hará el barrido" in caplog.text
    assert primera < 10  # bounded by CELERY_BROKER_CONNECTION_TIMEOUT
    assert siguientes < 0.5


@pytest.mark.django_db(transaction=True)
def test_embebido_sin_ticker_despacha_en_linea_incluso_eventos_encadenados():
    """A sink that emits its own event (as planes_seguridad will) gets it delivered in
    the same inline round, without recursion."""
    def encadenar(evento):
        evento_emitir(tipo="prueba.segundo", datos={"de": evento.pk}, grupos=[])

    registrar_manejador(nombre="prueba.encadenar", tipos=("prueba.primero",),
                        funcion=encadenar)
    with override_settings(EMBEBIDO=True), capa_en_memoria():
        with transaction.atomic():
            primero = _emitir(tipo="prueba.primero")
    primero.refresh_from_db()
    segundo = Evento.objects.get(tipo="prueba.segundo")
    assert primero.entregado_en is not None
    assert segundo.entregado_en is not None and segundo.datos == {"de": primero.pk}
