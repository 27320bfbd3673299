"""What the evidence viewer shows: never the file's own active content.

- Images (PNG, JPEG, GIF, WebP, sniffed again from the bytes, never from the stored type or
  the name): served inline by ``imagen`` under ``Content-Security-Policy: sandbox`` and
  ``nosniff``. An SVG is not an image here (it is a document that can carry scripts).
- PDF: each page rendered server-side to PNG by poppler's ``pdftoppm`` (poppler has no
  JavaScript engine: the PDF's scripts, forms and links are never run), scaled to at most
  ``LADO_MAXIMO`` px whatever size the page declares, with a time and memory limit, cached
  in private storage by the file's SHA-256.
- Text: the first ``MAX_TEXTO`` bytes, decoded as UTF-8 and escaped by the template.
- ``.eml``: the parsed headers, the text body (an HTML-only body reduced to text by nh3 +
  the intake's reducer), the link targets as plain text and the attachments' names and
  hashes. Nothing is rendered as HTML and nothing is fetched.

Files larger than each kind's cap are not previewed (the page says so and offers the
download).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import filetype
from django.utils.translation import gettext as _

from cgii import archivos
from cgii.errores import NoEncontrado

from ..models import Evidencia
from .candidatos import es_eml, leer_crudo

IMAGENES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_IMAGEN = 15 * 2**20
MAX_PDF = 30 * 2**20
MAX_PAGINAS = 10
MAX_TEXTO = 256 * 2**10
MAX_EML = 5 * 2**20
LADO_MAXIMO = 1200              # px of a page's longer side, whatever its declared size
TIEMPO_PDF = 20                 # seconds per poppler call
MEMORIA_PDF = 768 * 2**20       # address space of a poppler process
CABECERAS_EML = ("From", "Sender", "Reply-To", "Return-Path", "To", "Cc", "Subject", "Date",
                 "Message-ID", "Authentication-Results", "Received")


class SinVistaPrevia(Exception):  # noqa: N818 - an outcome, not a failure
    """This file (or page) cannot be previewed; args[0] is the reason in Spanish."""


@dataclass
class VistaPrevia:
    clase: str                      # imagen | pdf | texto | eml | ninguna
    motivo: str = ""                # why there is no preview (clase "ninguna")
    paginas: int = 0                # PDF
    paginas_mostradas: int = 0
    texto: str = ""                 # texto / eml body
    recortado: bool = False
    cabeceras: list = field(default_factory=list)   # eml: [(name, value)]
    enlaces: list = field(default_factory=list)     # eml: link targets (text, never links)
    adjuntos: list = field(default_factory=list)    # eml: [{nombre, tipo, tamano, sha256}]
    desde_html: bool = False


def _ruta(evidencia: Evidencia) -> Path:
    try:
        ruta = archivos.ruta_absoluta(evidencia.ruta)
    except NoEncontrado:
        raise SinVistaPrevia(_("El archivo no está disponible.")) from None
    if not ruta.is_file():
        raise SinVistaPrevia(_("El archivo no está disponible."))
    return ruta


def tipo_imagen(evidencia: Evidencia) -> str | None:
    """The image type sniffed from the file's first bytes (None: not an inline image)."""
    with open(_ruta(evidencia), "rb") as f:
        tipo = filetype.guess(f.read(8192))
    return tipo.mime if tipo is not None and tipo.mime in IMAGENES else None


def _es_pdf(ruta: Path) -> bool:
    with open(ruta, "rb") as f:
        return f.read(1024).lstrip().startswith(b"%PDF-")


def _poppler(*args: str) -> bytes:
    # The memory cap through util-linux's prlimit, not preexec_fn (unsafe in a threaded
    # server: the ASGI server runs sync views in threads).
    limite = shutil.which("prlimit")
    orden = [limite, f"--as={MEMORIA_PDF}", *args] if limite else list(args)
    try:
        hecho = subprocess.run(orden, capture_output=True, timeout=TIEMPO_PDF, check=False,
                               stdin=subprocess.DEVNULL)
    except (subprocess.TimeoutExpired, OSError):
        raise SinVistaPrevia(_("No se pudo leer el PDF a tiempo.")) from None
    if hecho.returncode != 0:
        raise SinVistaPrevia(_("El PDF está dañado o protegido."))
    return hecho.stdout


def paginas_pdf(ruta: Path) -> int:
    for linea in _poppler("pdfinfo", str(ruta)).decode("latin-1").splitlines():
        if linea.startswith("Pages:"):
            return int(linea.split(":", 1)[1].strip() or 0)
    return 0


def pagina_png(evidencia: Evidencia, numero: int) -> bytes:
    """Page ``numero`` (1-based, at most MAX_PAGINAS) as PNG, rendered once and cached in
    private storage under the file's SHA-256."""
    ruta = _ruta(evidencia)
    if not 1 <= numero <= MAX_PAGINAS or ruta.stat().st_size > MAX_PDF or not _es_pdf(ruta):
        raise SinVistaPrevia(_("Sin vista previa."))
    clave = evidencia.sha256 or hashlib.sha256(ruta.read_bytes()).hexdigest()
    cache = f"vistas_previas/{clave[:2]}/{clave}-{numero}-{LADO_MAXIMO}.png"
    try:
        return archivos.ruta_absoluta(cache).read_bytes()
    except (FileNotFoundError, NoEncontrado):
        pass
    with tempfile.TemporaryDirectory() as temporal:
        # pdftoppm (poppler 22) cannot write a PNG to stdout: a private temporary root.
        _poppler("pdftoppm", "-png", "-scale-to", str(LADO_MAXIMO), "-f", str(numero),
                 "-l", str(numero), "-singlefile", str(ruta), f"{temporal}/p")
        salida = Path(temporal) / "p.png"
        png = salida.read_bytes() if salida.is_file() else b""
    if not png.startswith(b"\x89PNG"):
        raise SinVistaPrevia(_("Esa página no existe."))
    archivos.escribir_archivo(cache, png)
    return png


def _texto(ruta: Path) -> VistaPrevia:
    with open(ruta, "rb") as f:
        crudo = f.read(MAX_TEXTO + 1)
    recortado = len(crudo) > MAX_TEXTO
    texto = crudo[:MAX_TEXTO].decode("utf-8", "replace").replace("\x00", "")
    return VistaPrevia(clase="texto", texto=texto, recortado=recortado)


def _eml(evidencia: Evidencia) -> VistaPrevia:
    from ..correo.candidatos import enlaces_de_html
    from ..correo.mime import cuerpo_de, leer, texto_de_parte

    crudo = leer_crudo(evidencia, maximo=MAX_EML)
    if crudo is None:
        raise SinVistaPrevia(_("El mensaje es demasiado grande para la vista previa."))
    m = leer(crudo)
    cabeceras = []
    for nombre in CABECERAS_EML:
        try:
            valores = m.correo.get_all(nombre) or []
        except (ValueError, IndexError, TypeError, LookupError):
            valores = []
        cabeceras.extend((nombre, " ".join(str(v).split())[:2000]) for v in valores)
    texto, desde_html = cuerpo_de(m.correo)
    enlaces: list[str] = []
    for parte in m.correo.walk():
        if parte.get_content_type() == "text/html" and not parte.is_attachment():
            enlaces.extend(u for u in enlaces_de_html(texto_de_parte(parte))
                           if u not in enlaces)
    return VistaPrevia(
        clase="eml", cabeceras=cabeceras, texto=texto[:MAX_TEXTO],
        recortado=len(texto) > MAX_TEXTO, desde_html=desde_html, enlaces=enlaces[:100],
        adjuntos=[{"nombre": a.nombre, "tipo": a.tipo_declarado, "tamano": len(a.contenido),
                   "sha256": hashlib.sha256(a.contenido).hexdigest()} for a in m.adjuntos])


def _demasiado_grande() -> VistaPrevia:
    return VistaPrevia(clase="ninguna",
                       motivo=_("El archivo es demasiado grande para la vista previa."))


def vista_previa(evidencia: Evidencia) -> VistaPrevia:
    """What the viewer shows for ``evidencia`` (already permission-checked by the caller)."""
    try:
        ruta = _ruta(evidencia)
        tamano = ruta.stat().st_size
        if es_eml(evidencia) or evidencia.tipo_mime == "message/rfc822":
            return _eml(evidencia)
        if tipo_imagen(evidencia):
            return _demasiado_grande() if tamano > MAX_IMAGEN else VistaPrevia(clase="imagen")
        if _es_pdf(ruta):
            if tamano > MAX_PDF:
                return _demasiado_grande()
            paginas = paginas_pdf(ruta)
            return VistaPrevia(clase="pdf", paginas=paginas,
                               paginas_mostradas=min(paginas, MAX_PAGINAS))
        if evidencia.tipo_mime.startswith("text/"):
            return _texto(ruta)
    except SinVistaPrevia as exc:
        return VistaPrevia(clase="ninguna", motivo=str(exc))
    return VistaPrevia(clase="ninguna", motivo=_("No hay vista previa para este tipo de archivo."))
