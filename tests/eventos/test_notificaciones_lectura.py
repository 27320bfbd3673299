"""Notifications people keep reading (issue 17): e-mail only to who did something or is asked
to act, one bell row and one e-mail per burst on an incident, hourly and daily digests."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client

from cgii.eventos import notificaciones
from cgii.eventos.despachador import despachar_pendientes as _despachar
from cgii.eventos.models import CorreoPendiente, FrecuenciaCorreo, Notificacion
from cgii.periodicas import declaradas
from incidentes import services
from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db
LA_PAZ = ZoneInfo("America/La_Paz")


def despachar():
    _despachar()
    _despachar()


@pytest.fixture(autouse=True)
def _archivos(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path


@pytest.fixture
def escena(catalogos, reportante_a, entidad_a, analista):
    rsi = crear_usuario(username="rsi_lect", entidad=entidad_a, rol_entidad="rsi")
    mae = crear_usuario(username="mae_lect", entidad=entidad_a, rol_entidad="mae")
    incidente = reportar(reportante_a, entidad_a)
    despachar()
    mail.outbox.clear()
    Notificacion.objects.all().delete()
    return incidente, rsi, mae


def rafaga(incidente, analista):
    """A state change and three messages from CGII within a minute."""
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    for texto in ("Recibido.", "Estamos revisando.", "Avance."):
        services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto=texto)


def test_una_rafaga_sobre_un_incidente_es_una_notificacion_y_un_correo(
        escena, reportante_a, analista):
    incidente, rsi, mae = escena
    rafaga(incidente, analista)
    despachar()
    fila = Notificacion.objects.get(usuario=reportante_a)
    assert fila.cantidad == 4 and "Nuevo mensaje del CGII" in fila.texto
    assert fila.enlace == f"/incidentes/{incidente.pk}/"
    # The MAE did nothing and is asked nothing: the bell, no e-mail.
    assert Notificacion.objects.get(usuario=mae).cantidad == 4
    destinatarios = [m.to[0] for m in mail.outbox]
    assert destinatarios.count(reportante_a.email) == 1
    assert mae.email not in destinatarios
    # The RSI is not e-mailed for the state change, once for the messages CGII wrote.
    assert destinatarios.count(rsi.email) == 1

    # Once read, the next news is a new row (the burst is over for that person).
    notificaciones.marcar_leidas(reportante_a, todas=True)
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="Otro.")
    despachar()
    assert Notificacion.objects.filter(usuario=reportante_a).count() == 2


def test_pasada_la_ventana_vuelve_a_haber_correo(escena, reportante_a, analista):
    incidente, _rsi, _mae = escena
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    despachar()
    Notificacion.objects.update(creado=datetime(2020, 1, 1, tzinfo=LA_PAZ),
                                correo_en=datetime(2020, 1, 1, tzinfo=LA_PAZ))
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="Luego.")
    despachar()
    assert Notificacion.objects.filter(usuario=reportante_a).count() == 2
    assert [m.to[0] for m in mail.outbox].count(reportante_a.email) == 2


def test_resumen_por_hora(escena, reportante_a, analista):
    incidente, _rsi, _mae = escena
    notificaciones.frecuencia_guardar(reportante_a, FrecuenciaCorreo.HORA)
    rafaga(incidente, analista)
    despachar()
    assert not [m for m in mail.outbox if m.to == [reportante_a.email]]
    assert CorreoPendiente.objects.filter(usuario=reportante_a).count() == 4

    assert notificaciones.enviar_resumenes() == 1
    despachar()
    resumen = [m for m in mail.outbox if m.to == [reportante_a.email]]
    assert len(resumen) == 1
    assert "Resumen de la última hora: 4 novedades" in resumen[0].subject
    # One line per incident: its latest news and how many there were.
    assert resumen[0].body.count(incidente.codigo) == 1 and "(4)" in resumen[0].body
    assert not CorreoPendiente.objects.filter(usuario=reportante_a).exists()

    # Within the hour nothing more goes out; an hour later the new news does.
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="Más.")
    despachar()
    assert notificaciones.enviar_resumenes() == 0
    assert notificaciones.enviar_resumenes(
        ahora=datetime.now(LA_PAZ) + timedelta(hours=1)) == 1


def test_resumen_diario_a_las_siete(escena, reportante_a, analista):
    incidente, _rsi, _mae = escena
    notificaciones.frecuencia_guardar(reportante_a, FrecuenciaCorreo.DIARIO)
    rafaga(incidente, analista)
    despachar()
    madrugada = datetime(2026, 5, 4, 6, 30, tzinfo=LA_PAZ)
    assert notificaciones.enviar_resumenes(ahora=madrugada) == 0
    assert notificaciones.enviar_resumenes(ahora=madrugada.replace(hour=7, minute=5)) == 1
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="Más.")
    despachar()
    assert notificaciones.enviar_resumenes(ahora=madrugada.replace(hour=18)) == 0
    assert notificaciones.enviar_resumenes(
        ahora=madrugada.replace(day=5, hour=7, minute=1)) == 1
    despachar()
    asuntos = [m.subject for m in mail.outbox if m.to == [reportante_a.email]]
    assert asuntos == ["[CGII] Resumen diario: 4 novedades", "[CGII] Resumen diario: 1 novedades"]


def test_volver_a_correo_inmediato_envia_lo_pendiente(escena, reportante_a, analista):
    incidente, _rsi, _mae = escena
    notificaciones.frecuencia_guardar(reportante_a, FrecuenciaCorreo.DIARIO)
    rafaga(incidente, analista)
    despachar()
    notificaciones.frecuencia_guardar(reportante_a, FrecuenciaCorreo.INMEDIATO)
    despachar()
    assert len([m for m in mail.outbox if m.to == [reportante_a.email]]) == 1
    assert not CorreoPendiente.objects.exists()


def test_el_resumen_es_una_tarea_periodica_declarada():
    assert "eventos.resumenes_correo" in {p.nombre for p in declaradas()}


def test_la_pagina_de_preferencias_guarda_tipos_y_frecuencia(escena, reportante_a):
    c = ingresar(Client(), reportante_a)
    r = c.post("/cuenta/notificaciones/", {"en_app:incidente.estado": "on",
                                           "email:incidente.mensaje": "on",
                                           "frecuencia": "hora"}, follow=True)
    assert r.status_code == 200 and "Preferencias guardadas." in r.content.decode()
    prefs = {p["tipo"]: p for p in notificaciones.preferencias_de(reportante_a)}
    assert prefs["incidente.estado"]["en_app"] and not prefs["incidente.estado"]["email"]
    assert prefs["incidente.mensaje"]["email"] and not prefs["incidente.mensaje"]["en_app"]
    assert notificaciones.frecuencia_correo(reportante_a) == "hora"
    r = c.post("/cuenta/notificaciones/", {"frecuencia": "semanal"}, follow=True)
    assert "Frecuencia desconocida" in r.content.decode()


def test_lo_que_pide_una_accion_no_se_pliega_en_una_rafaga(db):
    """A request with a deadline (e.g. CGII asks the entity for information) is its own bell
    row and its own e-mail even right after other news on the same incident: folding it into
    the burst silenced the e-mail the entity must answer (found by the mail-reply tests)."""
    usuario = crear_usuario(username="destinataria")
    enlace = "/incidentes/1/"
    notificaciones.notificar(usuarios_ids=[usuario.pk], tipo="incidente.estado",
                             texto="CGII-2026-00001 pasó a «En análisis».", enlace=enlace)
    notificaciones.notificar(usuarios_ids=[usuario.pk], tipo="incidente.solicitud",
                             texto="El CGII solicita información sobre CGII-2026-00001.",
                             enlace=enlace, pide_accion=True)
    despachar()
    assert Notificacion.objects.filter(usuario=usuario).count() == 2
    assert len([m for m in mail.outbox if m.to == [usuario.email]]) == 2
