"""An information request sent also as a notice with legal effect (Ciudadanía Digital's
Notificaciones Electrónicas, local simulator on the live server): queued in the request's
transaction, sent by the task (queued and retried while the service is down), delivered,
and the delivery in the timeline with the legal deadline counted from it in working days."""

from datetime import date

import pytest
from django.test import Client

from cgii.ciudadania import avisos
from cgii.ciudadania.models import NotificacionElectronica
from cgii.ciudadania.notificaciones import ServicioNoDisponible
from cgii.ciudadania.tasks import notificacion_enviar_tarea
from cgii.errores import ErrorValidacion
from cgii.eventos.despachador import despachar
from incidentes import services
from incidentes.models import EntradaTimeline, Incidente
from protocolos.selectors import calendario
from tests.factories import crear_usuario

from .utiles import llevar_a

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulador(settings, live_server):
    settings.CIUDADANIA_SIMULADOR = True
    settings.CIUDADANIA_NOTIFICACIONES_URL = f"{live_server.url}/simulador-cd"
    settings.CIUDADANIA_NOTIFICACIONES_TOKEN = "simulador"
    return live_server


@pytest.fixture
def encolados(monkeypatch):
    ids = []
    monkeypatch.setattr(notificacion_enviar_tarea, "delay", ids.append)
    return ids


@pytest.fixture
def mae_y_rsi(entidad_a):
    mae = crear_usuario(username="mae_a", entidad=entidad_a, rol_entidad="mae",
                        first_name="Elena", last_name="Vargas", documento_identidad="4810003")
    rsi = crear_usuario(username="rsi_cd", entidad=entidad_a, rol_entidad="rsi",
                        first_name="Marco", last_name="Choque", documento_identidad="4810002")
    return mae, rsi


def _solicitar(incidente, analista, plazo=5):
    llevar_a(incidente, "en_analisis", analista)
    return services.incidente_solicitar_info(
        actor=analista, incidente_id=incidente.pk, pregunta="Remita los registros del firewall.",
        notificacion_legal=True, plazo_dias=plazo)


def test_enviada_entregada_y_plazo_desde_la_entrega(simulador, incidente, analista, mae_y_rsi,
                                                    encolados):
    _solicitar(incidente, analista, plazo=5)
    notas = list(NotificacionElectronica.objects.order_by("pk"))
    assert [n.destinatario.username for n in notas] == ["mae_a", "rsi_cd"]
    assert encolados == [n.pk for n in notas]  # sent by the task, after commit
    assert Incidente.objects.get(pk=incidente.pk).estado == "en_espera_entidad"
    assert EntradaTimeline.objects.filter(incidente=incidente,
                                          texto__contains="notificación electrónica").exists()

    for n in notas:
        assert avisos.notificacion_enviar(notificacion_id=n.pk) == "enviada"
    n = NotificacionElectronica.objects.get(pk=notas[0].pk)
    assert avisos.notificacion_consultar(notificacion_id=n.pk).estado == "enviada"
    Client().post(f"/simulador-cd/buzon/{n.envio_id}/")  # reaches the MAE's mailbox
    n = avisos.notificacion_consultar(notificacion_id=n.pk)
    assert n.estado == "entregada" and n.entregada_en is not None

    despachar()  # the outbox delivers ciudadania.notificacion_entregada to the incidents sink
    fila = EntradaTimeline.objects.get(incidente=incidente,
                                       datos__notificacion_entregada=n.pk)
    from django.utils import timezone

    entregada = timezone.localtime(n.entregada_en).date()
    esperado = calendario("laboral").sumar_dias_habiles(entregada, 5)
    assert fila.datos["plazo_legal_vence"] == esperado.isoformat()
    assert fila.visible_entidad and esperado.strftime("%d/%m/%Y") in fila.texto
    assert date.fromisoformat(fila.datos["plazo_legal_vence"]) > entregada
    despachar()  # redelivered or not, one row
    assert EntradaTimeline.objects.filter(datos__notificacion_entregada=n.pk).count() == 1


def test_servicio_caido_queda_en_cola_y_se_reintenta(simulador, settings, incidente, analista,
                                                     mae_y_rsi, encolados, monkeypatch):
    settings.CIUDADANIA_NOTIFICACIONES_URL = "http://127.0.0.1:9"
    _solicitar(incidente, analista)
    n = NotificacionElectronica.objects.order_by("pk").first()
    with pytest.raises(ServicioNoDisponible):
        avisos.notificacion_enviar(notificacion_id=n.pk)
    n.refresh_from_db()
    assert n.estado == "por_enviar" and n.intentos == 1 and "queda en cola" in n.ultimo_error
    pedidos = []
    monkeypatch.setattr(notificacion_enviar_tarea, "retry",
                        lambda exc=None, countdown=None, **k: pedidos.append(countdown)
                        or RuntimeError("retry"))
    with pytest.raises(RuntimeError):
        notificacion_enviar_tarea.run(n.pk)
    assert pedidos == [60]
    # The service is back: the periodic job sends what was queued.
    settings.CIUDADANIA_NOTIFICACIONES_URL = f"{simulador.url}/simulador-cd"
    assert avisos.notificaciones_pendientes() == 2
    assert set(NotificacionElectronica.objects.values_list("estado", flat=True)) == {"enviada"}


def test_sin_documentos_registrados_no_se_guarda_nada(simulador, incidente, analista,
                                                      entidad_a, encolados):
    crear_usuario(username="mae_sin_ci", entidad=entidad_a, rol_entidad="mae")
    llevar_a(incidente, "en_analisis", analista)
    with pytest.raises(ErrorValidacion):
        services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                          pregunta="¿Qué pasó?", notificacion_legal=True,
                                          plazo_dias=5)
    assert Incidente.objects.get(pk=incidente.pk).estado == "en_analisis"  # rolled back
    assert not NotificacionElectronica.objects.exists() and encolados == []


def test_plazo_invalido(simulador, incidente, analista, mae_y_rsi, encolados):
    llevar_a(incidente, "en_analisis", analista)
    with pytest.raises(ErrorValidacion):
        services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                          pregunta="¿Qué pasó?", notificacion_legal=True,
                                          plazo_dias="0")
