"""Safe storage of uploaded evidence, shared by incidents and PISI plans.

Files are streamed to a temporary file inside the private directory (never under STATIC/MEDIA),
counted and hashed while streaming, typed by sniffing their first bytes (the client's declared
content type and extension are not trusted), and only then moved to their final name.
A rejected upload leaves nothing behind.
"""

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from cgii.errores import ArchivoDemasiadoGrande, NoEncontrado, TipoNoSoportado

# Sniffed MIME type → extension we store it with.
TIPOS_BINARIOS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/zip": "zip",
    "application/x-7z-compressed": "7z",
    "application/gzip": "gz",
    "application/x-tar": "tar",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# Packet captures matter for incident evidence and `filetype` does not know them.
FIRMAS_PCAP = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
               b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
# Binary formats we refuse even though they sniff fine (executables, scripts containers).
EXTENSIONES_TEXTO = {"txt", "log", "csv", "json", "xml", "eml", "yaml", "yml", "md", "ioc", "stix"}
TAMANO_MUESTRA = 8192
TAMANO_BLOQUE = 64 * 1024


@dataclass(frozen=True)
class ArchivoGuardado:
    ruta: str            # relative to ARCHIVOS_PRIVADOS_DIR
    nombre_original: str
    tipo_mime: str
    tamano: int
    sha256: str


def _raiz() -> Path:
    raiz = Path(settings.ARCHIVOS_PRIVADOS_DIR)
    raiz.mkdir(parents=True, exist_ok=True)
    return raiz


def nombre_seguro(nombre: str) -> str:
    base = os.path.basename(nombre or "").replace("\x00", "").strip()
    base = "".join(c for c in base if c.isprintable() and c not in '<>:"/\\|?*')
    return base[:200] or "archivo"


def _es_texto(muestra: bytes) -> bool:
    if b"\x00" in muestra:
        return False
    try:
        muestra.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(muestra) - 4:
            return False
    return True


def detectar_tipo(muestra: bytes, nombre: str) -> tuple[str, str]:
    """Return (mime, extension) for an allowed file, or raise TipoNoSoportado."""
    if muestra.startswith(FIRMAS_PCAP):
        return "application/vnd.tcpdump.pcap", "pcap"
    tipo = filetype.guess(muestra)
    if tipo is not None:
        if tipo.mime in TIPOS_BINARIOS:
            return tipo.mime, TIPOS_BINARIOS[tipo.mime]
        raise TipoNoSoportado(extra={"tipo_detectado": tipo.mime})
    extension = Path(nombre).suffix.lower().lstrip(".")
    if muestra and _es_texto(muestra) and extension in EXTENSIONES_TEXTO:
        return "text/plain", extension
    raise TipoNoSoportado(extra={"tipo_detectado": "desconocido", "extension": extension})


def guardar_archivo(archivo, *, carpeta: str, max_bytes: int | None = None) -> ArchivoGuardado:
    """Stream ``archivo`` (an UploadedFile or any object with ``chunks()``/``read()``) to
    private storage. Raises ArchivoDemasiadoGrande (413) or TipoNoSoportado (415)."""
    limite = max_bytes or settings.EVIDENCIA_TAMANO_MAXIMO
    declarado = getattr(archivo, "size", None)
    if declarado is not None and declarado > limite:
        raise ArchivoDemasiadoGrande(extra={"maximo_bytes": limite, "tamano": declarado})
    nombre = nombre_seguro(getattr(archivo, "name", "archivo"))
    temporales = _raiz() / "tmp"
    temporales.mkdir(exist_ok=True)
    digest = hashlib.sha256()
    tamano = 0
    muestra = b""
    fd, ruta_tmp = tempfile.mkstemp(dir=temporales)
    try:
        with os.fdopen(fd, "wb") as destino:
            bloques = archivo.chunks(TAMANO_BLOQUE) if hasattr(archivo, "chunks") else iter(
                lambda: archivo.read(TAMANO_BLOQUE), b"")
            for bloque in bloques:
                tamano += len(bloque)
                if tamano > limite:
                    raise ArchivoDemasiadoGrande(extra={"maximo_bytes": limite})
                if len(muestra) < TAMANO_MUESTRA:
                    muestra += bloque[: TAMANO_MUESTRA - len(muestra)]
                digest.update(bloque)
                destino.write(bloque)
        mime, extension = detectar_tipo(muestra, nombre)
        relativa = Path(carpeta) / timezone.localdate().strftime("%Y/%m") / f"{uuid.uuid4().hex}.{extension}"
        final = _raiz() / relativa
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(ruta_tmp, final)
    except BaseException:
        Path(ruta_tmp).unlink(missing_ok=True)
        raise
    return ArchivoGuardado(str(relativa), nombre, mime, tamano, digest.hexdigest())


def borrar_archivo(ruta: str) -> None:
    """Remove a stored file (used when the database write that referenced it fails)."""
    (_raiz() / ruta).unlink(missing_ok=True)


def escribir_archivo(ruta: str, contenido: bytes) -> None:
    """Write generated content (a PDF, a report) to private storage under ``ruta``: to a
    temporary name beside it, then rename, so a crash never leaves a half-written file under
    the name a row points to."""
    destino = ruta_absoluta(ruta)
    destino.parent.mkdir(parents=True, exist_ok=True)
    fd, temporal = tempfile.mkstemp(dir=destino.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(contenido)
        os.replace(temporal, destino)
    except BaseException:
        Path(temporal).unlink(missing_ok=True)
        raise


def ruta_absoluta(ruta: str) -> Path:
    raiz = _raiz().resolve()
    final = (raiz / ruta).resolve()
    if raiz not in final.parents:
        raise NoEncontrado()
    return final


def respuesta_descarga(*, ruta: str, nombre: str, tipo_mime: str) -> FileResponse:
    """Serve a private file as an attachment; callers have already checked permission."""
    final = ruta_absoluta(ruta)
    if not final.exists():
        raise NoEncontrado()
    respuesta = FileResponse(open(final, "rb"), as_attachment=True, filename=nombre,
                             content_type=tipo_mime)
    respuesta["X-Content-Type-Options"] = "nosniff"
    respuesta["Content-Security-Policy"] = "default-src 'none'; sandbox"
    respuesta["Cache-Control"] = "private, no-store"
    return respuesta
