import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cgii import archivos
from cgii.errores import ArchivoDemasiadoGrande, NoEncontrado, TipoNoSoportado

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def privado(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "privado"
    return settings.ARCHIVOS_PRIVADOS_DIR


def _archivos_guardados(raiz):
    return [p for p in raiz.rglob("*") if p.is_file()]


@pytest.mark.parametrize("contenido,nombre,mime", [
    (PDF, "informe.pdf", "application/pdf"),
    (PNG, "captura.png", "image/png"),
    (b"\xd4\xc3\xb2\xa1" + b"\x00" * 40, "trafico.pcap", "application/vnd.tcpdump.pcap"),
    ("2026-11-24 10:00 acceso denegado ñandú\n".encode(), "firewall.log", "text/plain"),
])
def test_tipos_permitidos_se_guardan_con_sha256(privado, contenido, nombre, mime):
    guardado = archivos.guardar_archivo(SimpleUploadedFile(nombre, contenido), carpeta="prueba")
    assert guardado.tipo_mime == mime
    assert guardado.tamano == len(contenido)
    assert guardado.sha256 == hashlib.sha256(contenido).hexdigest()
    assert (privado / guardado.ruta).read_bytes() == contenido


def test_el_tipo_se_detecta_por_contenido_no_por_nombre(privado):
    ejecutable = b"MZ\x90\x00" + b"\x00" * 200  # a Windows executable named as a PDF
    with pytest.raises(TipoNoSoportado):
        archivos.guardar_archivo(SimpleUploadedFile("factura.pdf", ejecutable,
                                                    content_type="application/pdf"), carpeta="x")
    assert _archivos_guardados(privado) == []


def test_texto_con_extension_no_permitida_se_rechaza(privado):
    with pytest.raises(TipoNoSoportado):
        archivos.guardar_archivo(SimpleUploadedFile("script.sh", b"#!/bin/sh\nrm -rf /\n"), carpeta="x")
    assert _archivos_guardados(privado) == []


def test_archivo_grande_se_rechaza_sin_dejar_nada(privado):
    flujo = io.BytesIO(PDF + b"0" * 5000)
    flujo.name = "grande.pdf"
    with pytest.raises(ArchivoDemasiadoGrande):
        archivos.guardar_archivo(flujo, carpeta="x", max_bytes=1000)
    assert _archivos_guardados(privado) == []


# Closing a response sends request_finished, whose handler checks the open connection
# left by an earlier database test in the same process.
@pytest.mark.django_db
def test_descarga_como_adjunto_y_sin_salir_de_la_raiz(privado):
    guardado = archivos.guardar_archivo(SimpleUploadedFile("a.pdf", PDF), carpeta="x")
    r = archivos.respuesta_descarga(ruta=guardado.ruta, nombre="a.pdf", tipo_mime=guardado.tipo_mime)
    assert r["Content-Disposition"].startswith("attachment")
    assert r["X-Content-Type-Options"] == "nosniff"
    r.close()
    with pytest.raises(NoEncontrado):
        archivos.ruta_absoluta("../../etc/passwd")


def test_nombre_seguro():
    assert archivos.nombre_seguro("../../etc/passwd") == "passwd"
    assert archivos.nombre_seguro("a<b>:c.pdf") == "abc.pdf"
    assert archivos.nombre_seguro("") == "archivo"
