"""Trim the quoted history off a reply, so the timeline gets what the person wrote.

mail-parser-reply finds Outlook-style header blocks ("De: … Enviado: … Para: …" and their
English forms) and separators; two common shapes it misses are handled here: the
attribution line of Gmail/Thunderbird/Apple Mail in Spanish ("El lun, 3 mar 2026 a las
10:00, CGII <…> escribió:", which the library's Spanish pattern does not match) and a
trailing block of ">"-quoted lines. When trimming would leave nothing, the whole text stays.
"""

import re

from mailparser_reply import EmailReplyParser

_VERBO = r"(?:escribió|wrote|a écrit|schrieb|escreveu)\s*:\s*$"
# One line, or (long names and addresses wrap) the line and the next.
_ATRIBUCIONES = (
    re.compile(r"^[ \t>]*(?:El|On|Le|Am|Em)\s[^\n]{3,400}?" + _VERBO,
               re.IGNORECASE | re.MULTILINE),
    re.compile(r"^[ \t>]*(?:El|On|Le|Am|Em)\s[^\n]{3,300}\n[^\n]{0,200}?" + _VERBO,
               re.IGNORECASE | re.MULTILINE),
)
_SEPARADOR = re.compile(
    r"^\s*-{2,}\s*(?:Mensaje original|Original Message|Mensaje reenviado|Forwarded message)"
    r"\s*-{2,}\s*$", re.IGNORECASE | re.MULTILINE)
_PARSER = EmailReplyParser(languages=["es", "en"])


def recortar(texto: str) -> str:
    original = (texto or "").replace("\r\n", "\n").strip()
    if not original:
        return ""
    recortado = original
    for patron in (*_ATRIBUCIONES, _SEPARADOR):
        m = patron.search(recortado)
        if m and m.start() > 0:
            recortado = recortado[:m.start()]
    respuestas = _PARSER.read(recortado).replies
    if respuestas and respuestas[0].content.strip():
        recortado = respuestas[0].content
    lineas = recortado.rstrip().split("\n")
    while lineas and (lineas[-1].lstrip().startswith(">") or not lineas[-1].strip()):
        lineas.pop()
    recortado = "\n".join(lineas).strip()
    m = _SEPARADOR.search(recortado)  # the library keeps the separator line it split on
    if m:
        recortado = recortado[:m.start()].strip()
    return recortado or original
