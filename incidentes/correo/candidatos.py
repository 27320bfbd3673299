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

from ..indicadores.normalizacion import TipoIndicador, ValorInvalido, extraer, normalizar
from . import conf
from .mime import cuerpo_de

MAXIMO = 200
MAXIMO_TEXTO = 1_000_000  # characters of one text attachment scanned
_RE_IP_ENTRE_CORCHETES = re.compile(r"[\[(]\s*(?:IPv6:)?([0-9a-fA-F:.]{7,45})\s*[\])]")
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


def _cabeceras(lista: _Lista, correo, fuente: str) -> None:
    for recibido in correo.get_all("Received") or []:
        for ip in _RE_IP_ENTRE_CORCHETES.findall(str(recibido)):
            if _ip_publica(ip):
                lista.valor(ip, None, f"{fuente}: Received")
    for nombre in ("From", "Reply-To", "Return-Path", "Sender"):
        for valor in correo.get_all(nombre) or []:
            for direccion in getattr(valor, "addresses", ()):
                if "@" in (direccion.addr_spec or ""):
                    dominio = direccion.addr_spec.rsplit("@", 1)[1]
                    lista.valor(dominio, TipoIndicador.DOMINIO, f"{fuente}: {nombre}")


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
            _cabeceras(lista, adjunto.mensaje, fuente)
            lista.texto(cuerpo_de(adjunto.mensaje)[0], fuente)
        elif adjunto.nombre.rsplit(".", 1)[-1].lower() in TEXTOS \
                or adjunto.tipo_declarado.startswith("text/"):
            lista.texto(adjunto.contenido[:MAXIMO_TEXTO].decode("utf-8", "replace"), fuente)
    return lista.salida
