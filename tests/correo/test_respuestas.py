"""Replies thread into the incident: the platform's incident e-mails carry an unforgeable
reply address and proper threading headers; a participant's reply becomes a shared message
on the timeline (quoted history trimmed, live for the console); a forged token, an
outsider's reply or an unknown sender's reply create nothing on any incident."""

import pytest
from django.core import mail

from cgii.eventos import grupos
from cgii.eventos.models import Evento
from incidentes import services as incidentes
from incidentes.correo import tokens
from incidentes.correo.models import Clase, CorreoEntrante, EstadoTriaje
from incidentes.models import EntradaTimeline, Incidente
from tests.incidentes.utiles import reportar

from .utiles import correo, despachar, entregar, enviados_a, leer

pytestmark = pytest.mark.django_db

HISTORIA = ("\n\nEl lun, 2 mar 2026 a las 10:00, CGII <cgii@agetic.gob.bo> escribió:\n"
            "> Nuevo mensaje del CGII sobre el incidente.\n> Texto interno que no debe repetirse.\n")


@pytest.fixture
def notificado(buzon, catalogos, reportante_a, entidad_a, analista):
    """An incident of entity A and the e-mail the reporter got about CGII's message."""
    incidente = reportar(reportante_a, entidad_a)
    incidentes.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                  texto="¿Qué cuentas recibieron el correo?")
    despachar()
    aviso, = enviados_a(reportante_a.email)
    mail.outbox.clear()
    return incidente, aviso


def _respuesta(aviso, *, de: str, texto: str, a: str | None = None, **extra):
    return correo(de=de, para=a or aviso.reply_to[0], asunto=f"Re: {aviso.subject}",
                  texto=texto, cabeceras={"In-Reply-To": aviso.extra_headers["Message-ID"],
                                          "References": aviso.extra_headers["References"] + " "
                                          + aviso.extra_headers["Message-ID"], **extra})


def _entregar_a_la_direccion(buzon, mensaje, aviso) -> None:
    """Deliver to the Reply-To of ``aviso`` (its ``+token`` as the mail server sees it)."""
    entregar(buzon, mensaje, detalle=aviso.reply_to[0].split("@")[0].split("+", 1)[1])


def _mensajes(incidente) -> list[EntradaTimeline]:
    return list(EntradaTimeline.objects.filter(incidente=incidente, tipo="mensaje")
                .order_by("id"))


def test_los_correos_de_un_incidente_llevan_direccion_de_respuesta_y_cabeceras_de_hilo(
        notificado, buzon):
    incidente, aviso = notificado
    token = f"i{incidente.pk}-{tokens.firma(incidente.pk)}"
    assert aviso.reply_to == [f"{buzon[1]}+{token}@cgii.test"]
    hilo = f"<cgii.hilo.{token}@cgii.test>"
    assert aviso.extra_headers["In-Reply-To"] == hilo
    assert aviso.extra_headers["References"] == hilo
    assert aviso.extra_headers["Message-ID"].endswith("@cgii.test>")
    assert aviso.extra_headers["Auto-Submitted"] == "auto-generated"
    # Real headers on the wire, not just attributes of the Python object.
    crudo = aviso.message().as_bytes()
    assert f"Reply-To: {buzon[1]}+{token}@cgii.test".encode() in crudo
    assert f"References: {hilo}".encode() in crudo


def test_la_respuesta_de_la_entidad_es_un_mensaje_del_incidente_sin_la_historia_citada(
        notificado, buzon, reportante_a):
    incidente, aviso = notificado
    respuesta = _respuesta(aviso, de=f"Reportante <{reportante_a.email}>",
                           texto="Fueron tres cuentas: rrhh, contabilidad y archivo." + HISTORIA)
    _entregar_a_la_direccion(buzon, respuesta, aviso)
    assert leer() == 1
    ultimo = _mensajes(incidente)[-1]
    assert ultimo.actor == reportante_a and ultimo.visible_entidad
    assert ultimo.texto == "Fueron tres cuentas: rrhh, contabilidad y archivo."
    registro = CorreoEntrante.objects.get()
    assert (registro.clase, registro.incidente, registro.entrada_id) == (
        Clase.RESPUESTA, incidente, ultimo.pk)
    # Live: the outbox event of the new timeline entry goes to the console's groups.
    evento, = [e for e in Evento.objects.filter(tipo="timeline.nuevo")
               if e.datos["entrada"]["id"] == ultimo.pk]
    assert {grupos.GRUPO_PERSONAL_CGII, grupos.grupo_incidente(incidente.pk)} <= set(
        evento.grupos)
    # The raw reply is kept as evidence of the incident.
    assert incidente.evidencias.filter(nombre="mensaje-original.eml",
                                       sha256=registro.sha256).exists()
    # No acknowledgement for a reply (the analyst is told through the notification).
    despachar()
    assert not enviados_a(reportante_a.email)


def test_una_respuesta_sin_la_direccion_con_token_se_enlaza_por_references(
        notificado, buzon, reportante_a):
    incidente, aviso = notificado
    respuesta = _respuesta(aviso, de=reportante_a.email, a=f"{buzon[1]}@cgii.test",
                           texto="Respondo desde un cliente que quita el +detalle.")
    entregar(buzon, respuesta)
    leer()
    assert _mensajes(incidente)[-1].texto == "Respondo desde un cliente que quita el +detalle."


def test_la_respuesta_del_analista_por_correo_es_un_mensaje_compartido(
        notificado, buzon, analista):
    incidente, aviso = notificado
    entregar(buzon, _respuesta(aviso, de=analista.email, texto="Bloqueen el remitente."),
             detalle=aviso.reply_to[0].split("+", 1)[1].split("@")[0])
    leer()
    ultimo = _mensajes(incidente)[-1]
    assert (ultimo.actor, ultimo.visible_entidad, ultimo.texto) == (
        analista, True, "Bloqueen el remitente.")


def test_un_token_falsificado_no_crea_nada_y_va_a_triaje(notificado, buzon, reportante_a,
                                                        entidad_a, analista):
    incidente, aviso = notificado
    otro = reportar(reportante_a, entidad_a, titulo="Otro incidente")
    antes = EntradaTimeline.objects.count()
    # The id changed, the signature kept: it does not verify for the other incident.
    falso = f"i{otro.pk}-{tokens.firma(incidente.pk)}"
    entregar(buzon, correo(de=reportante_a.email, asunto="Re: algo", texto="Inyectado."),
             detalle=falso)
    leer()
    assert EntradaTimeline.objects.count() == antes
    registro = CorreoEntrante.objects.get()
    assert (registro.clase, registro.estado_triaje, registro.incidente) == (
        Clase.SIN_ENTIDAD, EstadoTriaje.PENDIENTE, None)
    assert "no es válida" in registro.motivo
    assert Incidente.objects.count() == 2


def test_la_respuesta_de_alguien_de_otra_entidad_no_entra_al_incidente(
        notificado, buzon, reportante_b):
    incidente, aviso = notificado
    antes = EntradaTimeline.objects.filter(incidente=incidente).count()
    _entregar_a_la_direccion(buzon, _respuesta(aviso, de=reportante_b.email,
                                                  texto="Me meto."), aviso)
    leer()
    assert EntradaTimeline.objects.filter(incidente=incidente).count() == antes
    registro = CorreoEntrante.objects.get()
    assert registro.clase == Clase.SIN_ENTIDAD and "no participa" in registro.motivo
    assert not registro.incidente and not incidente.evidencias.filter(
        nombre="mensaje-original.eml").exists()


def test_la_respuesta_de_un_desconocido_no_entra_al_incidente(notificado, buzon):
    incidente, aviso = notificado
    antes = EntradaTimeline.objects.filter(incidente=incidente).count()
    _entregar_a_la_direccion(buzon, _respuesta(aviso, de="alguien@gmail.com", texto="Hola"),
                             aviso)
    leer()
    assert EntradaTimeline.objects.filter(incidente=incidente).count() == antes
    assert CorreoEntrante.objects.get().estado_triaje == EstadoTriaje.PENDIENTE


def test_la_respuesta_a_una_solicitud_de_informacion_reanuda_el_incidente(
        notificado, buzon, analista, reportante_a):
    incidente, _aviso = notificado
    incidentes.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                      transicion="iniciar_triaje")
    incidentes.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                        pregunta="¿Desde cuándo?")
    despachar()
    solicitud = [m for m in enviados_a(reportante_a.email) if "solicita" in m.subject][0]
    _entregar_a_la_direccion(buzon, _respuesta(solicitud, de=reportante_a.email,
                                               texto="Desde el lunes."), solicitud)
    leer()
    incidente.refresh_from_db()
    assert incidente.estado == "en_triaje"
    ultima = EntradaTimeline.objects.filter(incidente=incidente).exclude(
        tipo="evidencia").latest("id")
    assert (ultima.tipo, ultima.texto, ultima.actor) == ("respuesta", "Desde el lunes.",
                                                         reportante_a)
