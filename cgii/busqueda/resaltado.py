"""Highlights: engines mark matches with private-use characters; we escape the text and only
then turn the markers into <mark>, so a document's own HTML is never interpreted."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .documentos import FIN_MARCA, INICIO_MARCA


def resaltar(fragmento: str) -> SafeString:
    texto = escape(fragmento)
    # Balance the markers (a fragment may be cut between them).
    abiertas = 0
    salida = []
    for caracter in texto:
        if caracter == INICIO_MARCA:
            if abiertas == 0:
                salida.append("<mark>")
            abiertas += 1
        elif caracter == FIN_MARCA:
            if abiertas == 1:
                salida.append("</mark>")
            abiertas = max(0, abiertas - 1)
        else:
            salida.append(caracter)
    if abiertas:
        salida.append("</mark>")
    return mark_safe("".join(salida))  # noqa: S308 - escaped above, markers only


def tiene_marca(fragmento: str) -> bool:
    return INICIO_MARCA in fragmento


def resaltar_simple(texto: str, palabras: list[str], *, contexto: int = 80,
                    maximo: int = 2) -> list[str]:
    """Fallback highlighter (SQLite): mark case-insensitive occurrences of the words, return
    up to ``maximo`` fragments around the first ones (with raw markers)."""
    if not texto or not palabras:
        return []
    bajo = texto.lower()
    posiciones = []
    for palabra in palabras:
        p = palabra.lower()
        if not p:
            continue
        i = bajo.find(p)
        while i != -1 and len(posiciones) < 50:
            posiciones.append((i, i + len(p)))
            i = bajo.find(p, i + len(p))
    if not posiciones:
        return []
    posiciones.sort()
    fragmentos = []
    usado_hasta = -1
    for inicio, _fin in posiciones:
        if inicio < usado_hasta or len(fragmentos) >= maximo:
            continue
        a = max(0, inicio - contexto)
        b = min(len(texto), inicio + contexto)
        trozo = []
        cursor = a
        for i, j in posiciones:
            if i < a or j > b or i < cursor:
                continue
            trozo.append(texto[cursor:i])
            trozo.append(INICIO_MARCA + texto[i:j] + FIN_MARCA)
            cursor = j
        trozo.append(texto[cursor:b])
        fragmentos.append(("…" if a > 0 else "") + "".join(trozo) + ("…" if b < len(texto) else ""))
        usado_hasta = b
    return fragmentos
