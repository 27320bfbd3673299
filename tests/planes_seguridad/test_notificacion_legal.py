"""A PISI observation or an overdue deadline sent as a notice with legal effect (Ciudadanía
Digital, local simulator on the live server): queued, sent, delivered, and the delivery in
the plan's history with the legal deadline counted from it in working days."""

import pytest
from django.test import Client
from django.utils import timezone

from cgii.ciudadania import avisos
from cgii.ciudadania.models import NotificacionElectronica
from cgii.ciudadania.tasks import notificacion_enviar_tarea
from cgii.errores import PermisoDenegado, TransicionInvalida
from cgii.eventos.despachador import despachar
from planes_seguridad.models import EntradaPlan
from planes_seguridad.services.avisos import plan_notificar
from protocolos.selectors import calendario
from tests.entidades.sesiones import iniciar_sesion_verificada

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
def observado(simulador, plan, rsi_a, mae_a, auditor):
    for u, ci in ((rsi_a, "4810002"), (mae_a, "4810003")):
        u.documento_identidad = ci
        u.save(update_fields=["documento_identidad"])
    return llevar_a(plan, "observado", rsi_a, auditor)


def test_observacion_notificada_entregada_y_plazo(observado, auditor, encolados):
    notas = plan_notificar(actor=auditor, plan_id=observado.pk, motivo="observacion",
                           plazo_dias=10)
    assert len(notas) == 2 and encolados == [n.pk for n in notas]
    assert "Falta el inventario de activos." in notas[0].cuerpo
    assert EntradaPlan.objects.filter(plan=observado,
                                      texto__contains="notificación electrónica").exists()
    n = notas[0]
    avisos.notificacion_enviar(notificacion_id=n.pk)
    n.refresh_from_db()
    Client().post(f"/simulador-cd/buzon/{n.envio_id}/")
    n = avisos.notificacion_consultar(notificacion_id=n.pk)
    assert n.estado == "entregada"
    despachar()
    fila = EntradaPlan.objects.get(plan=observado, datos__notificacion_entregada=n.pk)
    esperado = calendario("laboral").sumar_dias_habiles(
        timezone.localtime(n.entregada_en).date(), 10)
    assert fila.datos["plazo_legal_vence"] == esperado.isoformat()


def test_reglas(observado, auditor, rsi_a, encolados, client):
    with pytest.raises(PermisoDenegado):
        plan_notificar(actor=rsi_a, plan_id=observado.pk, motivo="observacion", plazo_dias=5)
    with pytest.raises(TransicionInvalida):  # no overdue deadline of the entity
        plan_notificar(actor=auditor, plan_id=observado.pk, motivo="plazo_vencido",
                       plazo_dias=5)
    assert not NotificacionElectronica.objects.exists()
    # The plan page offers it to the reviewer.
    iniciar_sesion_verificada(client, auditor)
    pagina = client.get(f"/pisi/{observado.pk}/").content.decode()
    assert 'id="notificacion-legal"' in pagina and 'value="observacion"' in pagina
    r = client.post(f"/pisi/{observado.pk}/accion/notificar/",
                    {"motivo": "observacion", "plazo_dias": "10"}, follow=True)
    assert "Notificación electrónica enviada a 2" in r.content.decode()
