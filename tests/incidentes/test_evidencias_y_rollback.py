"""Evidence limits (413/415, nothing stored) and rollbacks that leave no trace."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import TransicionInvalida
from cgii.eventos.models import Evento
from incidentes import services, sla
from incidentes.models import EntradaTimeline, Evidencia, Incidente

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 200


def _guardados(settings):
    raiz = settings.ARCHIVOS_PRIVADOS_DIR
    return [p for p in raiz.rglob("*") if p.is_file()] if raiz.exists() else []


def _huella():
    return (EntradaTimeline.objects.count(), RegistroAuditoria.objects.count(),
            Evento.objects.count(), Evidencia.objects.count())


def test_subir_descargar_evidencia(api, incidente, reportante_a, settings):
    c = api(reportante_a)
    r = c.post(f"/api/v1/incidentes/{incidente.pk}/evidencias/",
               {"archivo": SimpleUploadedFile("captura.png", PNG), "descripcion": "pantalla"},
               format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert r.json()["tipo_mime"] == "image/png"
    descarga = c.get(f"/api/v1/incidentes/{incidente.pk}/evidencias/{r.json()['id']}/descarga/")
    assert descarga.status_code == 200
    assert descarga["Content-Disposition"].startswith("attachment")
    assert b"".join(descarga.streaming_content) == PNG
    # Stored outside the web root (private directory), never under static/media.
    assert all(str(p).startswith(str(settings.ARCHIVOS_PRIVADOS_DIR)) for p in _guardados(settings))


def test_evidencia_demasiado_grande_413_sin_rastro(api, incidente, reportante_a, settings):
    settings.EVIDENCIA_TAMANO_MAXIMO = 1024
    antes = _huella()
    r = api(reportante_a).post(f"/api/v1/incidentes/{incidente.pk}/evidencias/",
                               {"archivo": SimpleUploadedFile("grande.png", PNG * 40)},
                               format="multipart")
    assert r.status_code == 413 and r.json()["message"]
    assert _huella() == antes and _guardados(settings) == []


def test_evidencia_de_tipo_prohibido_415_sin_rastro(api, incidente, reportante_a, settings):
    antes = _huella()
    r = api(reportante_a).post(f"/api/v1/incidentes/{incidente.pk}/evidencias/",
                               {"archivo": SimpleUploadedFile("factura.pdf", EXE)},
                               format="multipart")
    assert r.status_code == 415
    assert _huella() == antes and _guardados(settings) == []


def test_reporte_con_evidencia_prohibida_no_crea_el_incidente(api, catalogos, reportante_a,
                                                             settings):
    antes = (Incidente.objects.count(), *_huella())
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "titulo": "Malware", "descripcion": "Adjunto la muestra",
        "detectado_en": "2026-11-20T10:00:00-04:00",
        "evidencias": [SimpleUploadedFile("muestra.exe", EXE)]}, format="multipart")
    assert r.status_code == 415
    assert (Incidente.objects.count(), *_huella()) == antes and _guardados(settings) == []


def test_reporte_multipart_con_evidencia(api, catalogos, reportante_a):
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "titulo": "Phishing", "descripcion": "Adjunto captura",
        "detectado_en": "2026-11-20T10:00:00-04:00",
        "evidencias": [SimpleUploadedFile("captura.png", PNG)]}, format="multipart")
    assert r.status_code == 201, r.content
    assert Evidencia.objects.filter(incidente_id=r.json()["id"]).count() == 1


def test_transicion_rechazada_no_deja_fila_alguna(incidente, analista):
    antes = _huella()
    with pytest.raises(TransicionInvalida):
        services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                        transicion="cerrar")
    assert _huella() == antes


def test_falla_a_mitad_de_transicion_deshace_todo(incidente, analista, monkeypatch, settings):
    def explota(*args, **kwargs):
        raise RuntimeError("caída a mitad de camino")

    antes = _huella()
    monkeypatch.setattr(sla, "tras_transicion", explota)
    with pytest.raises(RuntimeError):
        services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                        transicion="iniciar_triaje")
    assert Incidente.objects.get(pk=incidente.pk).estado == "reportado"
    assert _huella() == antes


def test_reporte_invalido_400_con_campos(api, catalogos, reportante_a):
    antes = Incidente.objects.count()
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "titulo": " ", "descripcion": "x", "detectado_en": "2099-01-01T10:00:00-04:00"},
        format="json")
    assert r.status_code == 400
    assert Incidente.objects.count() == antes
