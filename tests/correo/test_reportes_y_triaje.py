"""Reports by e-mail against the suite's own Dovecot: an entity user's mail becomes an
incident (evidence, candidate indicators, acknowledgement with the code); anyone else's
goes to the triage queue, which staff convert or discard (audited); each message is
processed exactly once, even across a crash."""

import hashlib

import pytest
from django.core import mail

from cgii import archivos
from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import PermisoDenegado, TransicionInvalida
from incidentes.correo import buzon as lector
from incidentes.correo import services
from incidentes.correo.models import Clase, CorreoEntrante, EstadoTriaje
from incidentes.correo.selectors import cola_triaje
from incidentes.indicadores.selectors import candidatos_de_incidente
from incidentes.models import EntradaTimeline, Evidencia, Incidente
from tests.factories import crear_usuario

from .utiles import PDF, carpetas, correo, despachar, entregar, enviados_a, leer

pytestmark = pytest.mark.django_db


def _phishing():
    """The sample an entity forwards as an attachment: its own hops and sender."""
    return correo(de="Soporte <soporte@banco-falso.com>", para="funcionario@mpa.gob.bo",
                  asunto="Su cuenta será suspendida",
                  texto="Ingrese en https://banco-falso.com/login para validar su cuenta.",
                  cabeceras={"Received": "from mail.banco-falso.com (mail.banco-falso.com "
                                         "[45.33.32.156]) by mx.mpa.gob.bo"})


def test_un_reporte_de_una_entidad_es_un_incidente_con_evidencias_candidatos_y_acuse(
        buzon, catalogos, reportante_a, entidad_a, analista):
    mensaje = correo(de=f"Reportante <{reportante_a.email}>", asunto="Phishing al personal",
                     texto="Varios funcionarios recibieron el correo adjunto.",
                     adjuntos=[("captura.pdf", PDF, "application/pdf")],
                     reenviado=_phishing())
    entregar(buzon, mensaje)
    assert leer() == 1

    incidente = Incidente.objects.get()
    assert (incidente.entidad, incidente.reportante, incidente.origen) == (
        entidad_a, reportante_a, "correo")
    assert incidente.origen_detalle == reportante_a.email
    assert incidente.titulo == "Phishing al personal"
    assert "Varios funcionarios recibieron" in incidente.descripcion
    # Attachments as evidence (same rules as uploads), and the raw message with its SHA-256.
    evidencias = {e.nombre: e for e in Evidencia.objects.filter(incidente=incidente)}
    assert {"captura.pdf", "mensaje-original.eml"} <= set(evidencias)
    assert evidencias["captura.pdf"].tipo_mime == "application/pdf"
    assert len(evidencias) == 3  # + the forwarded message (.eml, text)
    eml = evidencias["mensaje-original.eml"]
    crudo = archivos.ruta_absoluta(eml.ruta).read_bytes()
    assert hashlib.sha256(crudo).hexdigest() == eml.sha256
    assert b"Varios funcionarios" in crudo
    registro = CorreoEntrante.objects.get()
    assert (registro.clase, registro.incidente, registro.sha256) == (
        Clase.REPORTE, incidente, eml.sha256)
    # Candidate indicators for the analyst: the forwarded sample's hop and sender domain,
    # its URL, the attachments' hashes. Nothing linked until the analyst accepts.
    valores = {c["valor"]: c for c in candidatos_de_incidente(usuario=analista,
                                                              incidente_id=incidente.pk)}
    assert "45.33.32.156" in valores and "banco-falso.com" in valores
    assert "https://banco-falso.com/login" in valores
    assert hashlib.sha256(PDF).hexdigest() in valores
    assert "Received" in valores["45.33.32.156"]["fuente"]
    assert not incidente.vinculos_indicadores.exists()
    # The message left the intake folder.
    assert carpetas(buzon) == {"INBOX": 0, "CGII-Procesados": 1}
    # The acknowledgement with the code, threaded under the report, with the reply token.
    despachar()
    acuse, = enviados_a(reportante_a.email)
    assert incidente.codigo in acuse.subject and incidente.codigo in acuse.body
    assert acuse.extra_headers["In-Reply-To"] == str(mensaje["Message-ID"])
    assert acuse.extra_headers["Auto-Submitted"] == "auto-replied"
    assert acuse.reply_to == [f"{buzon[1]}+i{incidente.pk}-"
                              f"{services.tokens.firma(incidente.pk)}@cgii.test"]


def test_el_personal_de_gestion_se_entera_del_reporte_por_correo(
        buzon, catalogos, reportante_a, entidad_a, analista):
    entregar(buzon, correo(de=reportante_a.email))
    leer()
    despachar()
    from cgii.eventos.models import Notificacion

    assert Notificacion.objects.filter(usuario=analista, tipo="incidente.nuevo").exists()
    assert not Notificacion.objects.filter(usuario=reportante_a,
                                           tipo="incidente.nuevo").exists()


def test_un_remitente_desconocido_va_a_la_cola_de_triaje_sin_incidente(
        buzon, catalogos, analista, reportante_a):
    entregar(buzon, correo(de="Ciudadano <vecino@gmail.com>", asunto="Página hackeada",
                           texto="La página del ministerio muestra otro contenido."))
    assert leer() == 1
    assert not Incidente.objects.exists()
    item, = cola_triaje(usuario=analista)
    assert (item.clase, item.estado_triaje, item.remitente) == (
        Clase.SIN_ENTIDAD, EstadoTriaje.PENDIENTE, "vecino@gmail.com")
    assert "no es un usuario registrado" in item.motivo
    assert item.ruta_eml and archivos.ruta_absoluta(item.ruta_eml).exists()
    with pytest.raises(PermisoDenegado):
        cola_triaje(usuario=reportante_a)  # mail of unknown origin is for CGII staff only
    despachar()
    assert mail.outbox == []  # nobody unknown gets an automatic answer


def test_el_personal_convierte_un_correo_de_triaje_en_incidente_de_la_entidad_elegida(
        buzon, catalogos, analista, entidad_b):
    entregar(buzon, correo(de="vecino@gmail.com", asunto="Defacement",
                           texto="Mire la portada.",
                           adjuntos=[("portada.pdf", PDF, "application/pdf")]))
    leer()
    item = CorreoEntrante.objects.get()
    incidente = services.correo_convertir(actor=analista, correo_id=item.pk,
                                          entidad_id=entidad_b.pk)
    assert (incidente.entidad, incidente.origen, incidente.origen_detalle) == (
        entidad_b, "correo", "vecino@gmail.com")
    assert incidente.reportante == analista and incidente.descripcion == "Mire la portada."
    nombres = set(Evidencia.objects.filter(incidente=incidente).values_list("nombre",
                                                                           flat=True))
    assert nombres == {"portada.pdf", "mensaje-original.eml"}
    item.refresh_from_db()
    assert (item.estado_triaje, item.incidente, item.resuelto_por) == (
        EstadoTriaje.CONVERTIDO, incidente, analista)
    assert RegistroAuditoria.objects.filter(accion="correo.convertir",
                                            objeto_id=str(item.pk)).exists()
    with pytest.raises(TransicionInvalida):
        services.correo_convertir(actor=analista, correo_id=item.pk, entidad_id=entidad_b.pk)
    assert Incidente.objects.count() == 1


def test_el_personal_descarta_un_correo_de_triaje_con_motivo_auditado(
        buzon, catalogos, analista, auditor):
    entregar(buzon, correo(de="spam@promo.example.com", asunto="Oferta"))
    leer()
    item = CorreoEntrante.objects.get()
    with pytest.raises(PermisoDenegado):
        services.correo_descartar(actor=auditor, correo_id=item.pk, motivo="spam")
    services.correo_descartar(actor=analista, correo_id=item.pk, motivo="Publicidad.")
    item.refresh_from_db()
    assert (item.estado_triaje, item.nota_triaje) == (EstadoTriaje.DESCARTADO, "Publicidad.")
    registro = RegistroAuditoria.objects.get(accion="correo.descartar")
    assert registro.datos["motivo"] == "Publicidad." and registro.actor_id == analista.pk
    assert list(cola_triaje(usuario=analista)) == []
    assert not Incidente.objects.exists()


def test_un_usuario_de_varias_entidades_va_a_triaje(buzon, catalogos, entidad_a, entidad_b):
    from cgii.entidades.models import Membresia

    usuario = crear_usuario(username="doble", entidad=entidad_a)
    Membresia.objects.create(usuario=usuario, entidad=entidad_b, rol="reportante")
    entregar(buzon, correo(de=usuario.email))
    leer()
    assert CorreoEntrante.objects.get().clase == Clase.SIN_ENTIDAD
    assert not Incidente.objects.exists()


def test_una_caida_tras_leer_y_antes_de_mover_no_duplica_nada(
        buzon, catalogos, reportante_a, monkeypatch):
    entregar(buzon, correo(de=reportante_a.email, asunto="uno"))
    entregar(buzon, correo(de=reportante_a.email, asunto="dos"))
    original = lector._marcar

    def caida(*args, **kwargs):
        raise RuntimeError("el proceso murió antes de mover los mensajes")

    monkeypatch.setattr(lector, "_marcar", caida)
    with pytest.raises(RuntimeError):
        leer()
    # Processed and committed, but still in the intake folder.
    assert Incidente.objects.count() == 2
    assert carpetas(buzon)["INBOX"] == 2
    monkeypatch.setattr(lector, "_marcar", original)
    assert leer() == 2
    assert Incidente.objects.count() == 2 and CorreoEntrante.objects.count() == 2
    assert EntradaTimeline.objects.filter(tipo="reporte").count() == 2
    assert carpetas(buzon) == {"INBOX": 0, "CGII-Procesados": 2}
    despachar()
    assert len(enviados_a(reportante_a.email)) == 2  # one acknowledgement each


def test_una_caida_antes_de_confirmar_no_deja_nada_y_se_reprocesa_una_vez(
        buzon, catalogos, reportante_a, monkeypatch, settings):
    entregar(buzon, correo(de=reportante_a.email, adjuntos=[("a.pdf", PDF,
                                                              "application/pdf")]))
    original = services._acuse

    def caida(*args, **kwargs):
        raise RuntimeError("murió dentro de la transacción")

    monkeypatch.setattr(services, "_acuse", caida)
    with pytest.raises(RuntimeError):
        leer()
    assert not Incidente.objects.exists() and not CorreoEntrante.objects.exists()
    guardados = [p for p in (settings.ARCHIVOS_PRIVADOS_DIR).rglob("*") if p.is_file()
                 and "tmp" not in p.parts]
    assert guardados == []  # the .eml and the attachment were removed with the rollback
    monkeypatch.setattr(services, "_acuse", original)
    assert leer() == 1
    assert Incidente.objects.count() == 1
    assert Evidencia.objects.count() == 2


def test_un_adjunto_demasiado_grande_se_rechaza_con_una_respuesta_que_dice_por_que(
        buzon, catalogos, reportante_a, settings):
    settings.EVIDENCIA_TAMANO_MAXIMO = 2000
    entregar(buzon, correo(de=reportante_a.email, asunto="Con captura grande",
                           adjuntos=[("captura.pdf", PDF + b"0" * 5000, "application/pdf")]))
    assert leer() == 1
    assert not Incidente.objects.exists() and not Evidencia.objects.exists()
    registro = CorreoEntrante.objects.get()
    assert registro.clase == Clase.RECHAZADO and "captura.pdf" in registro.motivo
    assert carpetas(buzon)["CGII-Procesados"] == 1
    despachar()
    respuesta, = enviados_a(reportante_a.email)
    assert "No registramos su correo" in respuesta.subject
    assert "captura.pdf" in respuesta.body and "máximo" in respuesta.body
    assert respuesta.extra_headers["Auto-Submitted"] == "auto-replied"


def test_un_adjunto_de_tipo_no_admitido_se_rechaza_con_respuesta(
        buzon, catalogos, reportante_a):
    entregar(buzon, correo(de=reportante_a.email,
                           adjuntos=[("factura.exe", b"MZ\x90\x00" + b"\x00" * 200,
                                      "application/octet-stream")]))
    leer()
    assert not Incidente.objects.exists()
    despachar()
    respuesta, = enviados_a(reportante_a.email)
    assert "factura.exe" in respuesta.body and "tipo" in respuesta.body


def test_un_correo_mayor_que_el_limite_se_rechaza_sin_descargarlo(
        buzon, catalogos, reportante_a, settings):
    settings.CORREO_MAX_BYTES = 3000
    entregar(buzon, correo(de=reportante_a.email, texto="x" * 6000))
    leer()
    registro = CorreoEntrante.objects.get()
    assert registro.clase == Clase.RECHAZADO and "pesa" in registro.motivo
    assert not Incidente.objects.exists()
    despachar()
    assert len(enviados_a(reportante_a.email)) == 1


def test_el_mismo_mensaje_entregado_dos_veces_se_procesa_una(buzon, catalogos, reportante_a):
    mensaje = correo(de=reportante_a.email)
    entregar(buzon, mensaje)
    entregar(buzon, mensaje)
    assert leer() == 2
    assert Incidente.objects.count() == 1
    assert sorted(CorreoEntrante.objects.values_list("clase", flat=True)) == [
        Clase.DUPLICADO, Clase.REPORTE]


def test_sin_configurar_o_apagado_no_se_lee_nada(buzon, settings, reportante_a, catalogos):
    entregar(buzon, correo(de=reportante_a.email))
    settings.CORREO_ACTIVO = False
    assert leer() == 0
    settings.CORREO_ACTIVO, settings.CORREO_IMAP_HOST = True, ""
    assert leer() == 0
    assert carpetas(buzon)["INBOX"] == 1
