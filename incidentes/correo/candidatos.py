"""Candidate indicators of a message, for an analyst to accept (nothing is linked here).

From the headers: the public IPs of the ``Received:`` hops and the sender domains (From,
Reply-To, Return-Path, Sender); from the body; from the attachments: each file's SHA-256,
the text of text attachments, and a forwarded message's own headers and body (the usual
way a phishing sample reaches a CSIRT). Values are normalised by the indicator module's
own extractor (``incidentes.indicadores.normalizacion``), so they match what the analyst
would type. Our own domain and private addresses are never proposed.
"""

import hashlib
import ipaddress
import re
from html.parser import HTMLParser

from ..indicadores.normalizacion import TipoIndicador, ValorInvalido, extraer, normalizar
from . import conf, seguridad
from .mime import cuerpo_de, leer, texto_de_parte

MAXIMO = 200
MAXIMO_TEXTO = 1_000_000  # characters of one text attachment scanned
_RE_IP_ENTRE_CORCHETES = re.compile(r"[\[(]\s*(?:IPv6:)?([0-9a-fA-F:.]{7,45})\s*[\])]")
# "from 45.33.32.156 by mx…": some relays write the address bare, not in brackets.
_RE_IPV4_SUELTA = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
TEXTOS = {"txt", "log", "csv", "json", "xml", "eml", "md", "ioc", "yaml", "yml", "html", "htm"}


def _ip_publica(texto: str) -> bool:
    try:
        return ipaddress.ip_address(texto).is_global
    except ValueError:
        return False


class _Lista:
    def __init__(self, propio: str) -> None:
        self.salida: list[dict] = []
        self.vistos: set[tuple[str, str]] = set()
        self.propio = propio

    def agregar(self, original: str, normalizado, fuente: str) -> None:
        clave = (normalizado.tipo, normalizado.valor)
        if clave in self.vistos or len(self.salida) >= MAXIMO:
            return
        if self.propio and (normalizado.valor == self.propio
                            or normalizado.valor.endswith("." + self.propio)
                            or normalizado.valor.endswith("@" + self.propio)):
            return
        self.vistos.add(clave)
        self.salida.append({"original": original[:300], "tipo": normalizado.tipo,
                            "valor": normalizado.valor, "fuente": fuente})

    def valor(self, texto: str, tipo: str | None, fuente: str) -> None:
        try:
            self.agregar(texto, normalizar(texto, tipo), fuente)
        except ValorInvalido:
            pass

    def texto(self, texto: str, fuente: str) -> None:
        for original, n in extraer(texto[:MAXIMO_TEXTO]):
            if n.tipo in (TipoIndicador.IPV4, TipoIndicador.IPV6) and not _ip_publica(
                    n.valor.split("/")[0]):
                continue
            self.agregar(original, n, fuente)


def _todas(correo, nombre: str) -> list:
    try:
        return correo.get_all(nombre) or []
    except (ValueError, IndexError, TypeError, LookupError):  # a header the policy chokes on
        return []


def _cabeceras(lista: _Lista, correo, fuente: str, *, direcciones: bool = False) -> None:
    """``direcciones``: the sender addresses too, not only their domains. A sample (a
    forwarded or uploaded phishing message) names the attacker's mailbox; the reporter's own
    message names the reporter, which is not an indicator."""
    for recibido in _todas(correo, "Received"):
        texto = str(recibido)
        for ip in _RE_IP_ENTRE_CORCHETES.findall(texto) + _RE_IPV4_SUELTA.findall(texto):
            if _ip_publica(ip):
                lista.valor(ip, None, f"{fuente}: Received")
    for nombre in ("From", "Reply-To", "Return-Path", "Sender"):
        for valor in _todas(correo, nombre):
            for direccion in getattr(valor, "addresses", ()):
                if "@" in (direccion.addr_spec or ""):
                    if direcciones:
                        lista.valor(direccion.addr_spec, TipoIndicador.EMAIL,
                                    f"{fuente}: {nombre}")
                    dominio = direccion.addr_spec.rsplit("@", 1)[1]
                    lista.valor(dominio, TipoIndicador.DOMINIO, f"{fuente}: {nombre}")


class _Enlaces(HTMLParser):
    """The link targets of an HTML body (href, src, action): a phishing link's text often
    hides its target, and the text reduction (``seguridad.texto_de_html``) drops
    attributes. Parsed only: nothing is rendered or fetched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for nombre, valor in attrs:
            if nombre in ("href", "src", "action") and valor and "://" in valor \
                    and len(self.urls) < MAXIMO:
                self.urls.append(valor.strip())


def enlaces_de_html(html: str) -> list[str]:
    """Link targets of an HTML text (parsed, never rendered or fetched)."""
    enlaces = _Enlaces()
    try:
        enlaces.feed(html)
        enlaces.close()
    except (AssertionError, ValueError):  # broken markup: keep what was read
        pass
    return enlaces.urls


def _cuerpos(lista: _Lista, correo, fuente: str) -> None:
    """Every text and HTML body part (not only the preferred one): URLs, IPs, domains."""
    try:
        partes = [p for p in correo.walk() if p.get_content_maintype() == "text"
                  and not p.is_attachment()]
    except (ValueError, KeyError, IndexError):
        partes = []
    for parte in partes[:20]:
        texto = texto_de_parte(parte)[:MAXIMO_TEXTO]
        if parte.get_content_subtype() == "html":
            for url in enlaces_de_html(texto):
                lista.texto(url, f"{fuente}: enlace HTML")
            texto = seguridad.texto_de_html(texto)
        lista.texto(texto, fuente)


def de_eml(crudo: bytes, *, fuente: str) -> list[dict]:
    """Candidates of a message uploaded as evidence (a ``.eml`` sample): the public IPs of
    its ``Received:`` hops, sender and Reply-To addresses and domains, the URLs (with their
    hosts) of its text and HTML bodies, its attachments' hashes and forwarded messages."""
    m = leer(crudo)
    lista = _Lista(conf.dominio())
    _cabeceras(lista, m.correo, fuente, direcciones=True)
    lista.texto(m.asunto, f"{fuente}: asunto")
    _cuerpos(lista, m.correo, f"{fuente}: cuerpo")
    for adjunto in m.adjuntos:
        nombre = f"{fuente}: adjunto {adjunto.nombre}"
        if adjunto.contenido:
            lista.valor(hashlib.sha256(adjunto.contenido).hexdigest(), TipoIndicador.SHA256,
                        nombre)
        if adjunto.mensaje is not None:
            _cabeceras(lista, adjunto.mensaje, nombre, direcciones=True)
            _cuerpos(lista, adjunto.mensaje, nombre)
    return lista.salida


def de_mensaje(mensaje, *, con_cuerpo: bool = True) -> list[dict]:
    """``con_cuerpo=False`` for a report: its body is the incident's description, which the
    indicator page already scans (``candidatos_de_incidente``)."""
    lista = _Lista(conf.dominio())
    _cabeceras(lista, mensaje.correo, "cabecera")
    if con_cuerpo:
        lista.texto(f"{mensaje.asunto}\n{mensaje.texto}", "cuerpo")
    for adjunto in mensaje.adjuntos:
        fuente = f"adjunto {adjunto.nombre}"
        if adjunto.contenido:
            lista.valor(hashlib.sha256(adjunto.contenido).hexdigest(), TipoIndicador.SHA256,
                        fuente)
        if adjunto.mensaje is not None:
            _cabeceras(lista, adjunto.mensaje, fuente, direcciones=True)
            lista.texto(cuerpo_de(adjunto.mensaje)[0], fuente)
        elif adjunto.nombre.rsplit(".", 1)[-1].lower() in TEXTOS \
                or adjunto.tipo_declarado.startswith("text/"):
            lista.texto(adjunto.contenido[:MAXIMO_TEXTO].decode("utf-8", "replace"), fuente)
    return lista.salida
