"""Timeline filters of the incident detail (issue 18): by kind of entry and, for CGII staff,
internal vs shared.

The page always renders the whole timeline the user may see (one query, as before) and marks
the entries the filter leaves out with the HTML ``hidden`` attribute: without JavaScript the
filter form is a GET (``?ver=mensajes&ver=tareas&visibilidad=interna``) and the server hides
the entries; with JavaScript (``timeline_filtros.js``) the same form toggles ``hidden`` in
place and rewrites the URL, with no reload. Live entries appended by ``detalle.js`` carry
the same classes (``tipo-…``, ``compartida``/``interna``) and are filtered too.

Entity users never receive internal entries (``selectors.timeline_de``): the visibility
filter is offered to staff only and ignored for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import TipoEntrada as T

CATEGORIAS = {
    "mensajes": (_("Mensajes"), (T.REPORTE, T.MENSAJE, T.COMENTARIO, T.SOLICITUD, T.RESPUESTA,
                                 T.CONFIRMACION)),
    "estados": (_("Cambios de estado"), (T.TRANSICION, T.CLASIFICACION, T.ASIGNACION, T.SLA)),
    "tareas": (_("Tareas"), (T.TAREA,)),
    "indicadores": (_("Indicadores"), (T.INDICADORES,)),
    "evidencias": (_("Evidencias"), (T.EVIDENCIA,)),
    # Everything else (external feed events, entry types added later).
    "otros": (_("Otros"), ()),
}
_POR_TIPO = {str(t): c for c, (_e, tipos) in CATEGORIAS.items() for t in tipos}
VISIBILIDADES = {"": _("Todas"), "compartida": _("Visibles para la entidad"),
                 "interna": _("Internas (solo CGII)")}


def categoria_de(tipo: str) -> str:
    return _POR_TIPO.get(tipo, "otros")


@dataclass
class FiltroTimeline:
    categorias: set[str] = field(default_factory=set)   # empty: every kind
    visibilidad: str = ""

    @property
    def activo(self) -> bool:
        return bool(self.categorias or self.visibilidad)

    def muestra(self, entrada) -> bool:
        if self.categorias and categoria_de(entrada.tipo) not in self.categorias:
            return False
        if self.visibilidad == "compartida" and not entrada.visible_entidad:
            return False
        return not (self.visibilidad == "interna" and entrada.visible_entidad)


def leer(params, *, personal: bool) -> FiltroTimeline:
    """The filter from the query string; unknown values are ignored (never an error)."""
    categorias = {c for c in params.getlist("ver") if c in CATEGORIAS}
    if categorias == set(CATEGORIAS):
        categorias = set()
    visibilidad = params.get("visibilidad", "")
    if not personal or visibilidad not in VISIBILIDADES:
        visibilidad = ""
    return FiltroTimeline(categorias=categorias, visibilidad=visibilidad)


def aplicar(entradas: list, filtro: FiltroTimeline) -> int:
    """Mark each entry ``oculta`` (and its ``categoria``); returns how many are shown."""
    visibles = 0
    for e in entradas:
        e.categoria = categoria_de(e.tipo)
        e.oculta = not filtro.muestra(e)
        visibles += not e.oculta
    return visibles


def contexto(filtro: FiltroTimeline, *, personal: bool) -> dict:
    return {
        "filtro_timeline": filtro,
        "categorias_timeline": [(c, etiqueta, c in filtro.categorias)
                                for c, (etiqueta, _t) in CATEGORIAS.items()],
        "visibilidades_timeline": list(VISIBILIDADES.items()) if personal else [],
        # For the script: kind of entry → category (entries appended live are classified
        # by their ``tipo-…`` class).
        "mapa_timeline": {**_POR_TIPO},
    }
