"""Building e-mails for the intake tests (the stdlib's email package, as a client would)
and looking into the test mailbox."""

import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from django.core import mail
from imapclient import IMAPClient

from cgii.eventos.despachador import despachar_pendientes
from incidentes.correo import buzon

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def correo(*, de: str, para: str = "incidentes@cgii.test", asunto: str = "Phishing recibido",
           texto: str | None = "Recibimos un correo sospechoso.", html: str | None = None,
           adjuntos=(), cabeceras: dict | None = None, message_id: str | None = None,
           reenviado: EmailMessage | None = None) -> EmailMessage:
    m = EmailMessage(policy=policy.SMTP)
    m["From"] = de
    m["To"] = para
    m["Subject"] = asunto
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = message_id or make_msgid(domain=de.rsplit("@", 1)[-1].strip(">"))
    for nombre, valor in (cabeceras or {}).items():
        m[nombre] = valor
    if texto is not None:
        m.set_content(texto)
        if html is not None:
            m.add_alternative(html, subtype="html")
    elif html is not None:
        m.set_content(html, subtype="html")
    for nombre, contenido, tipo in adjuntos:
        principal, sub = tipo.split("/")
        m.add_attachment(contenido, maintype=principal, subtype=sub, filename=nombre)
    if reenviado is not None:
        m.add_attachment(reenviado)
    return m


def entregar(buzon_prueba, mensaje, *, detalle: str = "", sobre: str | None = None) -> None:
    """Deliver by LMTP to the test account (``+detalle`` as a reply address would)."""
    servidor, cuenta = buzon_prueba
    destino = f"{cuenta}+{detalle}@cgii.test" if detalle else f"{cuenta}@cgii.test"
    crudo = mensaje.as_bytes() if hasattr(mensaje, "as_bytes") else mensaje
    remitente = sobre if sobre is not None else str(mensaje["From"]) if hasattr(
        mensaje, "get") else "x@ejemplo.org"
    servidor.entregar(remitente, [destino], crudo)


def leer() -> int:
    return buzon.leer_buzon()


def despachar() -> None:
    """Run the outbox sinks (twice: sinks queue mail as new events)."""
    despachar_pendientes()
    despachar_pendientes()


def carpetas(buzon_prueba) -> dict[str, int]:
    """How many messages each folder of the test account holds."""
    from django.conf import settings

    servidor, cuenta = buzon_prueba
    contexto = ssl.create_default_context(cafile=str(servidor.certificado))
    with IMAPClient("127.0.0.1", port=servidor.puerto_imaps, ssl=True,
                    ssl_context=contexto) as cliente:
        cliente.login(cuenta, "clave-buzon")
        salida = {}
        for nombre in (settings.CORREO_CARPETA, settings.CORREO_CARPETA_PROCESADOS):
            if cliente.folder_exists(nombre):
                salida[nombre] = cliente.folder_status(nombre, [b"MESSAGES"])[b"MESSAGES"]
        return salida


def enviados_a(direccion: str) -> list:
    return [m for m in mail.outbox if direccion in m.to]
