"""A raw message → what the intake needs, with the stdlib's ``email`` package
(``policy.default``: RFC 5322/2047/2231 decoding, structured address headers). Nothing here
parses mail by hand; malformed headers degrade to empty values, never to an exception."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils import timezone

from . import seguridad

_PARSER = BytesParser(policy=policy.default)


@dataclass
class Adjunto:
    nombre: str
    tipo_declarado: str
    contenido: bytes
    mensaje: EmailMessage | None = None   # a forwarded message (message/rfc822)


@dataclass
class Mensaje:
    crudo: bytes
    correo: EmailMessage
    sha256: str
    message_id: str = ""
    remitente: str = ""
    remitente_nombre: str = ""
    asunto: str = ""
    fecha: datetime | None = None
    destinatarios: list[str] = field(default_factory=list)
    referencias: list[str] = field(default_factory=list)
    texto: str = ""
    desde_html: bool = False
    adjuntos: list[Adjunto] = field(default_factory=list)


def _cabecera(correo, nombre: str) -> str:
    try:
        valor = correo.get(nombre)
    except (ValueError, IndexError, TypeError, LookupError):  # a header the policy chokes on
        return ""
    return " ".join(str(valor).split()) if valor is not None else ""


def _direcciones(correo, *nombres: str) -> list[tuple[str, str]]:
    """(address, display name) of every address in the named headers, lower-cased."""
    salida = []
    for nombre in nombres:
        try:
            valores = correo.get_all(nombre) or []
        except (ValueError, IndexError, TypeError, LookupError):
            continue
        for valor in valores:
            try:
                if hasattr(valor, "addresses"):
                    pares = [(d.display_name, d.addr_spec) for d in valor.addresses]
                else:  # Delivered-To, X-Original-To: unstructured for the header registry
                    pares = getaddresses([str(valor)])
            except (ValueError, IndexError, TypeError):
                continue
            for nombre_visible, direccion in pares:
                if direccion and "@" in direccion:
                    salida.append((direccion.lower(), nombre_visible or ""))
    return salida


def _fecha(correo) -> datetime | None:
    texto = _cabecera(correo, "Date")
    try:
        fecha = parsedate_to_datetime(texto) if texto else None
    except (TypeError, ValueError, IndexError):
        return None
    if fecha is not None and timezone.is_naive(fecha):
        fecha = timezone.make_aware(fecha, timezone.get_fixed_timezone(0))
    return fecha


def texto_de_parte(parte) -> str:
    try:
        contenido = parte.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        contenido = (parte.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return contenido if isinstance(contenido, str) else ""


def cuerpo_de(correo) -> tuple[str, bool]:
    """The text the person wrote: the plain part, else the HTML part sanitised to text."""
    try:
        parte = correo.get_body(preferencelist=("plain", "html"))
    except (ValueError, KeyError, IndexError):
        parte = None
    if parte is None:
        return "", False
    texto = texto_de_parte(parte)
    if parte.get_content_subtype() == "html":
        return seguridad.texto_de_html(texto), True
    return texto.replace("\x00", ""), False


def _adjuntos(correo) -> list[Adjunto]:
    salida = []
    try:
        partes = list(correo.iter_attachments()) if correo.is_multipart() else []
    except (ValueError, KeyError, IndexError):
        partes = []
    for i, parte in enumerate(partes, start=1):
        tipo = parte.get_content_type()
        nombre = parte.get_filename() or ""
        if tipo == "message/rfc822":
            interno = parte.get_payload(0) if parte.is_multipart() else None
            if interno is None:
                continue
            contenido = interno.as_bytes(policy=policy.default)
            asunto = _cabecera(interno, "Subject")
            salida.append(Adjunto(nombre or f"{(asunto or 'mensaje')[:60]}.eml", tipo,
                                  contenido, mensaje=interno))
            continue
        if parte.is_multipart():
            salida.extend(_adjuntos(parte))
            continue
        contenido = parte.get_payload(decode=True) or b""
        salida.append(Adjunto(nombre or f"adjunto-{i}", tipo, contenido))
    return salida


def ids_de_mensaje(texto: str) -> list[str]:
    """``<id>`` tokens of In-Reply-To/References (whitespace-separated msg-ids)."""
    return [p for p in texto.replace(">", "> ").split() if p.startswith("<") and p.endswith(">")]


def leer(crudo: bytes) -> Mensaje:
    correo = _PARSER.parsebytes(crudo)
    remitentes = _direcciones(correo, "From")
    remitente, nombre = remitentes[0] if remitentes else ("", "")
    texto, desde_html = cuerpo_de(correo)
    return Mensaje(
        crudo=crudo, correo=correo, sha256=hashlib.sha256(crudo).hexdigest(),
        message_id=_cabecera(correo, "Message-ID")[:500],
        remitente=remitente[:320], remitente_nombre=nombre[:200],
        asunto=_cabecera(correo, "Subject")[:500],
        fecha=_fecha(correo),
        destinatarios=[d for d, _n in _direcciones(
            correo, "Delivered-To", "X-Original-To", "To", "Cc")],
        referencias=ids_de_mensaje(" ".join((_cabecera(correo, "In-Reply-To"),
                                             _cabecera(correo, "References")))),
        texto=texto, desde_html=desde_html, adjuntos=_adjuntos(correo),
    )
