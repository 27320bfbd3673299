"""The Notificaciones Electrónicas adapter against the local simulator on the live server:
sent, delivered (the legal deadline counts from that moment), idempotent by reference, and
a service that is down is a transient error (the caller queues and retries)."""

import pytest
from django.test import Client

from cgii.ciudadania import notificaciones


@pytest.fixture
def simulador(settings, live_server):
    settings.CIUDADANIA_SIMULADOR = True
    settings.CIUDADANIA_NOTIFICACIONES_URL = f"{live_server.url}/simulador-cd"
    settings.CIUDADANIA_NOTIFICACIONES_TOKEN = "simulador"
    return live_server


def test_enviada_y_entregada(simulador, transactional_db):
    envio = notificaciones.enviar(
        documento_identidad="4810003", asunto="Solicitud de información: INC-2026-0001",
        cuerpo="Remita los registros del servidor afectado.", referencia="cgii-prueba-1",
        plazo_dias_habiles=5)
    assert notificaciones.consultar(envio_id=envio.id).estado == "enviada"
    # Same reference, same notice.
    assert notificaciones.enviar(documento_identidad="4810003", asunto="x", cuerpo="y",
                                 referencia="cgii-prueba-1").id == envio.id
    pagina = Client().post(f"/simulador-cd/buzon/{envio.id}/")
    assert "Entregada" in pagina.content.decode()
    estado = notificaciones.consultar(envio_id=envio.id)
    assert estado.estado == "entregada" and estado.entregada_en is not None


def test_servicio_caido_es_transitorio(settings, db):
    settings.CIUDADANIA_NOTIFICACIONES_URL = "http://127.0.0.1:9"
    with pytest.raises(notificaciones.ServicioNoDisponible) as exc:
        notificaciones.enviar(documento_identidad="1", asunto="a", cuerpo="b", referencia="r")
    assert "queda en cola" in exc.value.message


def test_desconocida_es_respuesta_invalida(simulador, transactional_db):
    with pytest.raises(notificaciones.RespuestaInvalida):
        notificaciones.consultar(envio_id="no-existe")
