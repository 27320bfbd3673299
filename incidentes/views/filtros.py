"""The filters of the incident list page from its query string (the console's are in
``cola._filtros_consola``). Shared by the page, the bulk "all matching" selection, the
saved views' counts and the exports, so one query string means one set of incidents."""

from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cgii.entidades.selectors import entidades_visibles, es_personal_cgii

from .. import selectors


def _entero(valor) -> int | None:
    return int(valor) if str(valor or "").isdigit() else None


def filtros_lista(q: QueryDict, usuario) -> selectors.Filtros:
    personal = es_personal_cgii(usuario)
    return selectors.Filtros(
        estado=[e for e in q.getlist("estado") if e] or None,
        prioridad=[p for p in q.getlist("prioridad") if p] or None,
        clase=(q.get("clase") or "").strip()[:50] or None,
        entidad=_entero(q.get("entidad")),
        sin_asignar=personal and q.get("sin_asignar") == "1",
        mios=personal and q.get("mios") == "1",
        sin_respuesta=q.get("sin_respuesta") == "1", vence_hoy=q.get("vence_hoy") == "1",
        abiertos=q.get("abiertos") == "1", estado_sla=q.get("estado_sla") or None,
        texto=(q.get("q") or "").strip() or None, orden=q.get("orden") or "urgencia",
    )


CLAVES_LISTA = ("q", "estado", "prioridad", "clase", "entidad", "abiertos", "sin_asignar",
                "mios", "estado_sla", "sin_respuesta", "vence_hoy")


def filtros_de(pagina: str, consulta: str, usuario) -> selectors.Filtros:
    """``pagina``: "consola" or "lista"; ``consulta``: that page's query string."""
    q = QueryDict(consulta or "")
    if pagina == "consola":
        from .cola import _filtros_consola  # cola imports this module

        return _filtros_consola(q)[0]
    return filtros_lista(q, usuario)


# ---- the filter forms' <select> options --------------------------------------------------

def recortar(texto: str, largo: int) -> str:
    """``truncatechars`` for a plain name (Truncator's per-call machinery cost 8 ms for the
    300 entities of a console page)."""
    return texto if len(texto) <= largo else texto[:largo - 1] + "…"


def opciones(filas, elegido) -> SafeString:
    """The ``<option>`` elements of a filter's ``<select>``, written here: hundreds of
    entities through the template engine (a loop, a condition and three lookups each) were
    ~5 ms of a 30 ms list page (issue 22). Labels are escaped; values are ids."""
    elegido = "" if elegido is None else str(elegido)
    partes = []
    for pk, texto in filas:
        valor = str(pk)
        marca = " selected" if valor == elegido else ""
        partes.append(f'<option value="{valor}"{marca}>{escape(texto)}</option>')
    return mark_safe("".join(partes))  # noqa: S308 - built from escaped labels and ids


def opciones_entidades(usuario, elegido) -> SafeString:
    """The active entities ``usuario`` may see, by acronym, for the entity filter."""
    filas = (entidades_visibles(usuario).filter(activa=True).order_by("sigla")
             .values_list("pk", "sigla", "nombre"))
    return opciones(((pk, f"{sigla} — {recortar(nombre, 40)}") for pk, sigla, nombre in filas),
                    elegido)
