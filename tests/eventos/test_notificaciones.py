"""The bell and e-mail: who is told, preferences, TLP:RED, the API, live push."""

import pytest
from django.core import mail

from cgii.eventos.despachador import despachar_pendientes as _despachar
from cgii.eventos.models import Evento, Notificacion, PreferenciaNotificacion
from incidentes import services
from tests.factories import crear_usuario
from tests.incidentes.utiles import llevar_a, reportar

pytestmark = pytest.mark.django_db


def despachar_pendientes():
    """Twice: the sinks of the first round queue the e-mails (new outbox events)."""
    _despachar()
    _despachar()


@pytest.fixture(autouse=True)
def _archivos(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path


def test_un_reporte_avisa_al_personal_de_gestion_y_no_a_otras_entidades(
        catalogos, reportante_a, entidad_a, analista, coordinador, auditor, reportante_b):
    incidente = reportar(reportante_a, entidad_a)
    despachar_pendientes()
    avisados = set(Notificacion.objects.values_list("usuario", flat=True))
    assert avisados == {analista.pk, coordinador.pk}
    n = Notificacion.objects.get(usuario=analista)
    assert incidente.codigo in n.texto and n.enlace == f"/incidentes/{incidente.pk}/"
    # Live: one notificacion.nueva per recipient, to the recipient's own group only.
    vivos = Evento.objects.filter(tipo="notificacion.nueva")
    assert sorted(e.grupos[0] for e in vivos) == sorted(
        [f"cgii.usuario.{analista.pk}", f"cgii.usuario.{coordinador.pk}"])
    assert mail.outbox == []  # "incidente.nuevo" is in-app only by default


def test_cambios_de_estado_y_mensajes_llegan_a_la_entidad_por_correo(
        catalogos, reportante_a, entidad_a, analista):
    incidente = reportar(reportante_a, entidad_a)
    rsi = crear_usuario(username="rsi_notif", entidad=entidad_a, rol_entidad="rsi")
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="Recibido.")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto="secreto",
                                compartido=False)
    despachar_pendientes()
    # A burst on one incident is one bell row (issue 17): the latest news, and how many.
    fila = Notificacion.objects.get(usuario=rsi)
    assert (fila.tipo, fila.cantidad) == ("incidente.mensaje", 2)
    assert {m.to[0] for m in mail.outbox} == {reportante_a.email, rsi.email}
    assert all("secreto" not in m.body for m in mail.outbox)
    assert all("/incidentes/" in m.body for m in mail.outbox)


def test_preferencias_apagan_el_correo_y_la_campana(api, catalogos, reportante_a, entidad_a,
                                                   analista):
    c = api(reportante_a)
    r = c.put("/api/v1/notificaciones/preferencias/",
              [{"tipo": "incidente.estado", "en_app": False, "email": False}], format="json")
    assert r.status_code == 200
    fila = next(f for f in r.json() if f["tipo"] == "incidente.estado")
    assert fila == {"tipo": "incidente.estado", "etiqueta": fila["etiqueta"],
                    "en_app": False, "email": False}
    incidente = reportar(reportante_a, entidad_a)
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    despachar_pendientes()
    assert not Notificacion.objects.filter(usuario=reportante_a).exists()
    assert mail.outbox == []
    assert c.put("/api/v1/notificaciones/preferencias/", [{"tipo": "inventado", "en_app": True,
                                                           "email": False}],
                 format="json").status_code == 400


def test_tlp_red_no_pone_el_titulo_en_el_correo(catalogos, reportante_a, entidad_a, analista):
    incidente = reportar(reportante_a, entidad_a, titulo="Fuga de datos del padrón",
                         tlp="red")
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    despachar_pendientes()
    assert mail.outbox
    for m in mail.outbox:
        assert "padrón" not in m.subject + m.body and "TLP:RED" in m.body


def test_api_lista_y_marca_leidas_solo_las_propias(api, catalogos, reportante_a, entidad_a,
                                                  analista, coordinador):
    reportar(reportante_a, entidad_a)
    reportar(reportante_a, entidad_a)
    despachar_pendientes()
    c = api(analista)
    datos = c.get("/api/v1/notificaciones/?no_leidas=1").json()
    assert datos["count"] == 2 and datos["no_leidas"] == 2
    ajena = Notificacion.objects.filter(usuario=coordinador).first()
    r = c.post("/api/v1/notificaciones/leidas/", {"ids": [datos["results"][0]["id"], ajena.pk]},
               format="json")
    assert r.json() == {"no_leidas": 1}
    ajena.refresh_from_db()
    assert ajena.leida_en is None
    assert c.post("/api/v1/notificaciones/leidas/", {"todas": True},
                  format="json").json() == {"no_leidas": 0}
    assert c.post("/api/v1/notificaciones/leidas/", {}, format="json").status_code == 400


def test_el_actor_no_se_avisa_a_si_mismo_y_la_asignacion_avisa_al_asignado(
        catalogos, reportante_a, entidad_a, analista, coordinador):
    incidente = reportar(reportante_a, entidad_a)
    despachar_pendientes()
    Notificacion.objects.all().delete()
    services.incidente_asignar(actor=coordinador, incidente_id=incidente.pk,
                               analista_id=analista.pk)
    services.incidente_asignar(actor=analista, incidente_id=incidente.pk,
                               analista_id=analista.pk)
    despachar_pendientes()
    assert list(Notificacion.objects.values_list("usuario", "tipo")) == [
        (analista.pk, "incidente.asignacion")]


def test_la_solicitud_de_informacion_destaca(catalogos, reportante_a, entidad_a, analista):
    incidente = reportar(reportante_a, entidad_a)
    llevar_a(incidente, "en_analisis", analista)
    services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                      pregunta="¿Qué equipos?")
    despachar_pendientes()
    assert Notificacion.objects.filter(usuario=reportante_a, tipo="incidente.solicitud").exists()
    assert PreferenciaNotificacion.objects.count() == 0
