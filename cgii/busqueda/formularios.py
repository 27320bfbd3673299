"""Query-string parsing shared by the HTML page and the API (thin: no logic beyond parsing)."""

from __future__ import annotations

from .documentos import FACETAS

MAX_VALORES_IOC = 1000


def parametros(datos) -> dict:
    """``q``, ``tipo`` (repeatable), facet filters (repeatable), ``pagina``, ``por_pagina``."""
    filtros = {f: datos.getlist(f) for f in FACETAS if f != "tipo" and datos.getlist(f)}
    return {
        "texto": (datos.get("q") or "").strip(),
        "tipos": [t for t in datos.getlist("tipo") if t],
        "filtros": filtros,
        "pagina": _entero(datos.get("pagina"), 1),
        "por_pagina": _entero(datos.get("por_pagina"), 20),
    }


def valores_ioc(texto) -> list[str]:
    """One value per line (or comma/space separated), without blanks and # comments."""
    if isinstance(texto, list):
        bruto = [str(v) for v in texto]
    else:
        bruto = []
        for linea in (texto or "").splitlines():
            linea = linea.strip()
            if not linea or linea.startswith("#"):
                continue
            bruto.extend(p for p in linea.replace(",", " ").split() if p)
    return list(dict.fromkeys(v.strip() for v in bruto if v.strip()))


def _entero(valor, defecto: int) -> int:
    try:
        return int(valor)
    except (TypeError, ValueError):
        return defecto
