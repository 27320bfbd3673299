"""Safety of the intake: automatic mail never creates anything nor gets an answer (no
loops), HTML is sanitised and shown as text, Authentication-Results decide trust."""

import pytest
from django.core import mail

from incidentes.correo import tokens
from incidentes.correo.models import Clase, CorreoEntrante, EstadoTriaje
from incidentes.models import EntradaTimeline, Incidente
from tests.incidentes.utiles import reportar

from .utiles import correo, despachar, entregar, leer

pytestmark = pytest.mark.django_db

REBOTE = b"""From: Mail Delivery System <MAILER-DAEMON@mx.mpa.gob.bo>
To: {para}
Subject: Undelivered Mail Returned to Sender
Message-ID: <rebote-1@mx.mpa.gob.bo>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.mpa.gob.bo
Final-Recipient: rfc822; nadie@mpa.gob.bo
Action: failed
Status: 5.1.1

--b1--
"""


@pytest.fixture
def incidente(buzon, catalogos, reportante_a, entidad_a):
    return reportar(reportante_a, entidad_a)


def _nada_cambio(antes: int) -> None:
    assert EntradaTimeline.objects.count() == antes
    despachar()
    assert mail.outbox == []  # and nothing answered: no loop


def test_una_respuesta_automatica_con_token_valido_no_crea_nada_ni_contesta(
        buzon, incidente, reportante_a):
    antes = EntradaTimeline.objects.count()
    fuera = correo(de=reportante_a.email, asunto="Respuesta automática: fuera de la oficina",
                   texto="Estoy de vacaciones hasta el lunes.",
                   cabeceras={"Auto-Submitted": "auto-replied"})
    entregar(buzon, fuera, detalle=tokens.token(incidente.pk))
    assert leer() == 1
    registro = CorreoEntrante.objects.get()
    assert registro.clase == Clase.AUTOMATICO and "auto-replied" in registro.motivo
    assert registro.incidente is None and registro.estado_triaje == EstadoTriaje.NINGUNO
    _nada_cambio(antes)


def test_un_rebote_no_crea_nada_ni_contesta(buzon, incidente):
    antes = EntradaTimeline.objects.count()
    crudo = REBOTE.replace(b"{para}", buzon[1].encode() + b"@cgii.test").replace(b"\n", b"\r\n")
    entregar(buzon, crudo, detalle=tokens.token(incidente.pk), sobre="")  # MAIL FROM:<>
    leer()
    registro = CorreoEntrante.objects.get()
    assert registro.clase == Clase.AUTOMATICO
    assert "multipart/report" in registro.motivo or "rebote" in registro.motivo
    assert Incidente.objects.count() == 1
    _nada_cambio(antes)


@pytest.mark.parametrize("cabeceras", [{"Precedence": "bulk"},
                                       {"List-Id": "<avisos.mpa.gob.bo>"},
                                       {"X-Autoreply": "yes"}])
def test_el_correo_de_listas_y_masivo_no_crea_incidentes(buzon, catalogos, reportante_a,
                                                         cabeceras):
    entregar(buzon, correo(de=reportante_a.email, cabeceras=cabeceras))
    leer()
    assert not Incidente.objects.exists()
    assert CorreoEntrante.objects.get().clase == Clase.AUTOMATICO
    despachar()
    assert mail.outbox == []


def test_el_correo_de_la_propia_plataforma_no_se_procesa(buzon, catalogos, settings):
    entregar(buzon, correo(de=settings.DEFAULT_FROM_EMAIL, asunto="[CGII] aviso"))
    leer()
    assert CorreoEntrante.objects.get().motivo.startswith("enviado por la propia plataforma")
    assert not Incidente.objects.exists()


def test_el_html_se_sanea_y_se_guarda_como_texto(buzon, catalogos, reportante_a):
    html = ("<html><head><style>p{display:none}</style><script>alert('x')</script></head>"
            "<body><p>Vimos un <b>acceso</b> desde <a href='javascript:alert(1)'>aquí</a>"
            "</p><img src=x onerror=alert(1)><p>Segunda l&iacute;nea</p></body></html>")
    entregar(buzon, correo(de=reportante_a.email, texto=None, html=html))
    leer()
    descripcion = Incidente.objects.get().descripcion
    assert descripcion == "Vimos un acceso desde aquí\n\nSegunda línea"
    for rastro in ("<", "alert", "script", "display"):
        assert rastro not in descripcion


def _con_resultados(buzon, usuario, resultados: str):
    entregar(buzon, correo(de=usuario.email, cabeceras={
        "Authentication-Results": resultados}))
    leer()
    return CorreoEntrante.objects.get()


def test_un_remitente_que_falla_dmarc_no_es_confiable_y_va_a_triaje(
        buzon, catalogos, reportante_a, settings):
    settings.CORREO_AUTHSERV_ID = "mx.cgii.test"
    registro = _con_resultados(buzon, reportante_a,
                               "mx.cgii.test; spf=fail smtp.mailfrom=mpa.gob.bo; dkim=none; "
                               "dmarc=fail header.from=mpa.gob.bo")
    assert not Incidente.objects.exists()
    assert (registro.clase, registro.confiable) == (Clase.SIN_ENTIDAD, False)
    assert registro.autenticacion["dmarc"] == "fail" and registro.autenticacion["falla"]
    assert "autenticación del remitente falló" in registro.motivo


def test_resultados_aprobados_de_nuestro_servidor_marcan_al_remitente_confiable(
        buzon, catalogos, reportante_a, settings):
    settings.CORREO_AUTHSERV_ID = "mx.cgii.test"
    registro = _con_resultados(buzon, reportante_a,
                               "mx.cgii.test; spf=pass smtp.mailfrom=mpa.gob.bo; "
                               "dkim=pass header.d=mpa.gob.bo; dmarc=pass header.from=mpa.gob.bo")
    assert registro.clase == Clase.REPORTE and registro.confiable
    assert registro.autenticacion == {
        "spf": "pass", "dkim": "pass", "dmarc": "pass", "authserv_id": "mx.cgii.test",
        "verificable": True, "falla": False, "aprobada": True,
        "cabecera": registro.autenticacion["cabecera"]}


def test_resultados_de_otro_servidor_se_muestran_pero_no_hacen_confiable(
        buzon, catalogos, reportante_a, settings):
    settings.CORREO_AUTHSERV_ID = "mx.cgii.test"
    registro = _con_resultados(buzon, reportante_a,
                               "mx.atacante.org; spf=pass; dkim=pass; dmarc=pass")
    assert registro.autenticacion["authserv_id"] == "mx.atacante.org"
    assert not registro.autenticacion["verificable"] and not registro.confiable
    assert registro.clase == Clase.REPORTE  # not verified, not failed: accepted, flagged


def test_si_se_exige_autenticacion_un_remitente_sin_verificar_va_a_triaje(
        buzon, catalogos, reportante_a, settings):
    settings.CORREO_AUTHSERV_ID = "mx.cgii.test"
    settings.CORREO_EXIGIR_AUTENTICACION = True
    registro = _con_resultados(buzon, reportante_a, "mx.atacante.org; dmarc=pass")
    assert registro.clase == Clase.SIN_ENTIDAD and not Incidente.objects.exists()
