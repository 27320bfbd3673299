"""Indicator candidates from evidence files: an uploaded ``.eml`` (a phishing sample the
entity or an analyst attached) is parsed, never rendered, and its headers and bodies feed
the same proposal path as the incident's text (``indicadores.selectors``).

The raw messages of the mail intake (``message/rfc822`` rows under ``correo/``) are not read
here: their candidates were computed at intake (``correo.candidatos.de_mensaje``) and name
the reporter, not the attacker.
"""

from __future__ import annotations

from cgii import archivos
from cgii.errores import NoEncontrado

from ..models import Evidencia

MAXIMO_BYTES_EML = 5 * 2**20   # a larger sample is not scanned (the page must stay fast)
MAXIMO_EMLS = 20


def es_eml(evidencia: Evidencia) -> bool:
    return (evidencia.nombre.lower().endswith(".eml") or evidencia.ruta.endswith(".eml")) \
        and evidencia.tipo_mime != "message/rfc822"


def leer_crudo(evidencia: Evidencia, *, maximo: int) -> bytes | None:
    """The file's bytes, or None when it is missing or larger than ``maximo``."""
    try:
        ruta = archivos.ruta_absoluta(evidencia.ruta)
    except NoEncontrado:
        return None
    if not ruta.is_file() or ruta.stat().st_size > maximo:
        return None
    return ruta.read_bytes()


def candidatos_de_evidencias(evidencias) -> list[dict]:
    """``evidencias``: those the user may see (``selectors.evidencias_de``)."""
    from ..correo.candidatos import de_eml

    salida: list[dict] = []
    for evidencia in [e for e in evidencias if es_eml(e)][:MAXIMO_EMLS]:
        crudo = leer_crudo(evidencia, maximo=MAXIMO_BYTES_EML)
        if crudo:
            salida.extend(de_eml(crudo, fuente=f"evidencia {evidencia.nombre}"))
    return salida
