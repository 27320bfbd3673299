"""Incidents drive their SLA clocks; the monitor records crossings once and escalates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.eventos.models import Evento
from incidentes import services
from incidentes.models import EntradaTimeline, Incidente
from incidentes.services import monitor
from protocolos.models import CruceSLA, RelojSLA

from .utiles import cerrar_datos, clasificar, completar, llevar_a

pytestmark = pytest.mark.django_db


def _relojes(incidente):
    return {r.medida: r for r in RelojSLA.objects.filter(ambito="incidente",
                                                         objeto_id=incidente.pk)}


def _tipos(reloj):
    return [e["tipo"] for e in reloj.eventos]


def test_el_reporte_inicia_tres_relojes_y_la_cola_conoce_el_vencimiento(incidente):
    relojes = _relojes(incidente)
    assert set(relojes) == {"acuse", "contencion", "resolucion"}
    assert all(_tipos(r) == ["inicio"] for r in relojes.values())
    incidente.refresh_from_db()
    assert incidente.vence_sla == min(r.vence for r in relojes.values())
    assert incidente.estado_sla == "ok"


def test_iniciar_triaje_es_la_primera_respuesta(incidente, analista):
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    relojes = _relojes(incidente)
    assert _tipos(relojes["acuse"]) == ["inicio", "fin"]
    assert relojes["acuse"].estado == "cumplido"
    assert Incidente.objects.get(pk=incidente.pk).primera_respuesta_en is not None


def test_un_mensaje_compartido_tambien_es_primera_respuesta_y_uno_interno_no(incidente,
                                                                            analista):
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="interno",
                                compartido=False)
    assert _tipos(_relojes(incidente)["acuse"]) == ["inicio"]
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="Recibido.")
    assert _tipos(_relojes(incidente)["acuse"]) == ["inicio", "fin"]


def test_clasificar_cambia_la_politica(incidente, analista):
    clasificar(incidente, analista, impacto=4, urgencia=4)
    relojes = _relojes(incidente)
    assert relojes["resolucion"].politica.prioridad == "P1"
    assert relojes["resolucion"].objetivo_min == 1440


def test_esperar_a_la_entidad_pausa_y_responder_reanuda(incidente, analista, reportante_a):
    llevar_a(incidente, "en_analisis", analista)
    services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                      pregunta="¿Cuántos usuarios recibieron el correo?")
    relojes = _relojes(incidente)
    assert _tipos(relojes["resolucion"])[-1] == "pausa"
    assert relojes["resolucion"].estado == "pausado"
    assert Incidente.objects.get(pk=incidente.pk).vence_sla is None  # nothing is running
    services.incidente_responder(actor=reportante_a, incidente_id=incidente.pk,
                                 respuesta="Unos 40.")
    relojes = _relojes(incidente)
    assert _tipos(relojes["resolucion"])[-2:] == ["pausa", "reanudacion"]
    assert Incidente.objects.get(pk=incidente.pk).estado == "en_analisis"
    tipos = list(EntradaTimeline.objects.filter(incidente=incidente).values_list("tipo",
                                                                                flat=True))
    assert "solicitud" in tipos and "respuesta" in tipos


def test_resolver_detiene_y_reabrir_reanuda_la_resolucion(incidente, analista, coordinador):
    llevar_a(incidente, "resuelto", analista)
    relojes = _relojes(incidente)
    assert all(r.terminado_en for r in relojes.values())
    services.incidente_transicionar(actor=coordinador, incidente_id=incidente.pk,
                                    transicion="reabrir")
    resolucion = _relojes(incidente)["resolucion"]
    assert _tipos(resolucion)[-2:] == ["pausa", "reanudacion"]
    assert resolucion.terminado_en is None


def test_el_monitor_registra_advertencia_e_incumplimiento_una_vez(incidente, analista):
    clasificar(incidente, analista, impacto=4, urgencia=4)  # P1: acuse 30 min 24x7
    ahora = timezone.now()
    assert monitor.sla_barrido(ahora=ahora + timedelta(minutes=24)) >= 1
    assert monitor.sla_barrido(ahora=ahora + timedelta(minutes=24)) == 0
    assert monitor.sla_barrido(ahora=ahora + timedelta(minutes=31)) >= 1
    assert monitor.sla_barrido(ahora=ahora + timedelta(minutes=32)) == 0
    cruces = CruceSLA.objects.filter(reloj__objeto_id=incidente.pk, reloj__medida="acuse")
    assert sorted(cruces.values_list("tipo", flat=True)) == ["advertencia", "incumplimiento"]
    filas = EntradaTimeline.objects.filter(incidente=incidente, tipo="sla")
    assert filas.count() == 2 and not filas.filter(visible_entidad=True).exists()
    tipos = set(Evento.objects.filter(tipo__startswith="sla.").values_list("tipo", flat=True))
    assert tipos == {"sla.advertencia", "sla.incumplido"}
    from cgii.eventos.despachador import despachar_pendientes
    from cgii.eventos.models import Notificacion
    from tests.factories import crear_usuario

    coordinador = crear_usuario(username="coordinador_sla", rol_cgii="coordinador")
    despachar_pendientes()
    escalados = Notificacion.objects.filter(tipo="sla.incumplido")
    assert set(escalados.values_list("usuario", flat=True)) == {coordinador.pk}
    assert Incidente.objects.get(pk=incidente.pk).estado_sla == "incumplido"


def test_autocierre_tras_dias_habiles_sin_respuesta(incidente, analista):
    llevar_a(incidente, "resuelto", analista)
    Incidente.objects.filter(pk=incidente.pk).update(**cerrar_datos())
    completar(incidente, "cierre")
    ahora = timezone.now()
    assert monitor.autocerrar_resueltos(ahora=ahora + timedelta(days=1)) == 0
    assert monitor.autocerrar_resueltos(ahora=ahora + timedelta(days=15)) == 1
    incidente.refresh_from_db()
    assert incidente.estado == "cerrado"
    assert monitor.autocerrar_resueltos(ahora=ahora + timedelta(days=16)) == 0


def test_sin_resumen_de_cierre_no_se_autocierra(incidente, analista):
    llevar_a(incidente, "resuelto", analista)
    # Resolved before resolving required the summary (older data): it waits for an analyst.
    Incidente.objects.filter(pk=incidente.pk).update(resumen_cierre="")
    assert monitor.autocerrar_resueltos(ahora=timezone.now() + timedelta(days=30)) == 0
    assert Incidente.objects.get(pk=incidente.pk).estado == "resuelto"


def test_la_entidad_confirma_y_se_cierra(incidente, analista, reportante_a):
    llevar_a(incidente, "resuelto", analista)
    Incidente.objects.filter(pk=incidente.pk).update(**cerrar_datos())
    services.incidente_confirmar_resolucion(actor=reportante_a, incidente_id=incidente.pk)
    incidente.refresh_from_db()
    assert incidente.estado == "cerrado" and incidente.confirmado_por_entidad_en
