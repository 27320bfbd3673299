"""«Posible duplicado»: an earlier open incident of the same entity, reported within a window
(protocol parameter ``duplicados_ventana_horas``), that looks like the same report.

Two signals, read-only (this module never writes; intake stores what it returns):

- **text**: trigram similarity (PostgreSQL ``pg_trgm``) of the titles and of the
  descriptions' heads; the score is ``0.6·sim(título) + 0.4·sim(descripción)``, or
  ``sim(título) − 0.2`` when better (the same title with a terse second description), so two
  reports of the same story match while two different problems of one server, which share
  half their title words, do not.
  The embedded SQLite profile computes the same trigram similarity in Python over the
  entity's most recent incidents in the window (a small table there).
- **indicators**: an incident of the window that shares a normalised indicator (same
  ``Indicador`` row, so the values were normalised on the way in) is a candidate whatever
  its words; more shared indicators first.

Only the entity's ``MAX_CANDIDATOS`` most recent incidents of the window are compared by text
(issue 22): the similarity is computed per candidate, so without a cap an integration that
reports hundreds of times a day made each report cost more than the previous one (1,500
reports of one entity in the bench: 130 ms of pg_trgm per report at the end). The candidates
are read through the ``(entidad_id, creado)`` index, so the cost is also independent of the
table's size. A duplicate is nearly always among the latest reports of its entity.

The threshold (``duplicados_umbral``) was chosen on the labelled pairs of
``tests/incidentes/test_duplicados_precision.py`` (precision first: a wrong suggestion costs
an analyst's click, a missed one costs nothing more than today).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, JSONField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from protocolos import selectors as protocolos

from .models import Incidente
from .states import Estado

VENTANA_HORAS = 72
UMBRAL = 0.42
PESO_TITULO = 0.6
DESCUENTO_SOLO_TITULO = 0.2
LARGO_DESCRIPCION = 2000   # the description's head carries the story; the rest is logs
# The most recent incidents of the entity in the window compared by text (module doc).
MAX_CANDIDATOS = 50
# Incidents that can still be marked duplicate (the FSM's sources of ``marcar_duplicado``).
ESTADOS_SUGERIBLES = (Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS)


@dataclass(frozen=True)
class Sugerencia:
    incidente: Incidente     # the suggested master
    similitud: float | None  # 0..1 (1.0 for shared indicators; None: stored before issue 22)
    motivo: str              # "texto" | "indicadores"
    compartidos: int = 0     # shared indicators

    def como_datos(self) -> dict:
        return {"id": self.incidente.pk, "codigo": self.incidente.codigo,
                "similitud": None if self.similitud is None else round(self.similitud, 3),
                "motivo": self.motivo,
                "compartidos": self.compartidos}


def ventana() -> timedelta:
    return timedelta(hours=float(protocolos.parametro("duplicados_ventana_horas",
                                                      VENTANA_HORAS)))


def umbral() -> float:
    return float(protocolos.parametro("duplicados_umbral", UMBRAL))


def _candidatos(*, entidad_id: int, momento: datetime, excluir_id: int | None) -> QuerySet:
    qs = Incidente.objects.filter(entidad_id=entidad_id, creado__gte=momento - ventana(),
                                  creado__lt=momento)
    qs = qs.exclude(estado__in=(Estado.DUPLICADO, Estado.RECHAZADO))
    return qs.exclude(pk=excluir_id) if excluir_id else qs


# ---- the SQLite fallback: pg_trgm's similarity, in Python --------------------------------

_PALABRA = re.compile(r"\w+", re.UNICODE)


def trigramas(texto: str) -> set[str]:
    """pg_trgm's trigrams: lower-cased words, each padded with two spaces before and one
    after."""
    salida: set[str] = set()
    for palabra in _PALABRA.findall(texto.lower()):
        p = f"  {palabra} "
        salida.update(p[i:i + 3] for i in range(len(p) - 2))
    return salida


def similitud(a: str, b: str) -> float:
    ta, tb = trigramas(a), trigramas(b)
    if not ta or not tb:
        return 0.0
    comunes = len(ta & tb)
    return comunes / (len(ta) + len(tb) - comunes)


def _puntaje(sim_titulo: float, sim_descripcion: float) -> float:
    return max(PESO_TITULO * sim_titulo + (1 - PESO_TITULO) * sim_descripcion,
               sim_titulo - DESCUENTO_SOLO_TITULO)


def _por_texto_sqlite(qs: QuerySet, titulo: str, descripcion: str) -> Sugerencia | None:
    mejor = None
    for inc in qs.order_by("-creado")[:MAX_CANDIDATOS]:
        p = _puntaje(similitud(inc.titulo, titulo),
                     similitud(inc.descripcion[:LARGO_DESCRIPCION], descripcion))
        if p >= umbral() and (mejor is None or p > mejor.similitud):
            mejor = Sugerencia(inc, p, "texto")
    return mejor


# The PostgreSQL statement, written once (issue 22: building the same query through the ORM,
# with its annotations and a subquery, took ~4 ms of CPU per report for a statement that
# runs in ~1 ms). The inner SELECT reads the window's latest candidates through the
# ``(entidad_id, creado)`` index; only those are scored.
_SQL_POR_TEXTO = f"""
SELECT id, codigo, titulo, puntaje FROM (
    SELECT id, codigo, titulo, creado,
           GREATEST({PESO_TITULO} * st + {1 - PESO_TITULO} * sd, st - {DESCUENTO_SOLO_TITULO})
               AS puntaje
    FROM (
        SELECT id, codigo, titulo, creado,
               similarity(titulo, %(titulo)s) AS st,
               similarity(left(descripcion, {LARGO_DESCRIPCION}), %(descripcion)s) AS sd
        FROM {Incidente._meta.db_table}
        WHERE entidad_id = %(entidad)s AND creado >= %(desde)s AND creado < %(hasta)s
          AND estado <> ALL(%(excluidos)s) AND id <> %(excluir)s
        ORDER BY creado DESC
        LIMIT %(candidatos)s
    ) candidatos
) puntuados
WHERE puntaje >= %(umbral)s
ORDER BY puntaje DESC, creado DESC
LIMIT 1
"""


def por_texto(*, entidad_id: int, titulo: str, descripcion: str, momento: datetime,
              excluir_id: int | None = None) -> Sugerencia | None:
    """The most similar earlier incident of the entity within the window, if any passes.
    The suggested incident comes as its id, code and title (what every caller shows)."""
    descripcion = descripcion[:LARGO_DESCRIPCION]
    if connection.vendor != "postgresql":
        qs = _candidatos(entidad_id=entidad_id, momento=momento, excluir_id=excluir_id)
        return _por_texto_sqlite(qs, titulo, descripcion)
    with connection.cursor() as cursor:
        cursor.execute(_SQL_POR_TEXTO, {
            "titulo": titulo, "descripcion": descripcion, "entidad": entidad_id,
            "desde": momento - ventana(), "hasta": momento, "excluir": excluir_id or 0,
            "excluidos": [Estado.DUPLICADO.value, Estado.RECHAZADO.value], "umbral": umbral(),
            "candidatos": MAX_CANDIDATOS})
        fila = cursor.fetchone()
    if fila is None:
        return None
    pk, codigo, titulo_sugerido, puntaje = fila
    return Sugerencia(Incidente(pk=pk, codigo=codigo, titulo=titulo_sugerido), float(puntaje),
                      "texto")


def _propios(incidente: Incidente) -> QuerySet:
    from .indicadores.models import IndicadorIncidente

    return IndicadorIncidente.objects.filter(incidente_id=incidente.pk).values("indicador_id")


def por_indicadores(incidente: Incidente) -> Sugerencia | None:
    """The earlier incident of the window sharing the most normalised indicators."""
    fila = (_candidatos(entidad_id=incidente.entidad_id, momento=incidente.creado,
                        excluir_id=incidente.pk)
            .annotate(compartidos=Count("vinculos_indicadores", filter=Q(
                vinculos_indicadores__indicador_id__in=_propios(incidente))))
            .filter(compartidos__gt=0).order_by("-compartidos", "-creado").first())
    return Sugerencia(fila, 1.0, "indicadores", fila.compartidos) if fila else None


def sugerencia_para(incidente: Incidente) -> Sugerencia | None:
    """The live suggestion for one incident (detail page, API detail): shared indicators
    first (they may have been added after intake), then the text. None once the incident
    can no longer be marked duplicate.

    Two steps, not one query: a single statement with both signals (tried in issue 22)
    saved a round trip but its expressions cost ~14 ms more CPU to build per detail on a
    quiet machine (docs/perfiles.md)."""
    if incidente.estado not in ESTADOS_SUGERIBLES:
        return None
    return por_indicadores(incidente) or por_texto(
        entidad_id=incidente.entidad_id, titulo=incidente.titulo,
        descripcion=incidente.descripcion, momento=incidente.creado, excluir_id=incidente.pk)


def anotaciones_detalle() -> dict:
    """The suggestion's candidates as two columns of the detail's own row, on PostgreSQL
    (issue 22: they were two queries and a trigram scoring per detail); {} on SQLite, whose
    detail asks ``sugerencia_para``.

    - ``sugerido_por_indicadores``: live, as ``por_indicadores`` (indicators are added
      after intake, to this incident or to an earlier one);
    - ``sugerido_por_texto``: the text suggestion stored at intake (``posible_duplicado``
      and its score), while it can still be a master. The text of a report does not
      change after intake, so scoring it again on every detail only repeated intake's
      answer; a stored candidate since closed as duplicate or rejected is not shown.

    Plain SQL, as ``por_texto``: the same through the ORM's Subquery/Count/JSONObject cost
    several ms of CPU per detail to compile."""
    if connection.vendor != "postgresql":
        return {}
    from .indicadores.models import IndicadorIncidente

    excluidos = (Estado.DUPLICADO.value, Estado.RECHAZADO.value)
    return {
        "sugerido_por_indicadores": RawSQL(_SQL_POR_INDICADORES.format(
            inc=Incidente._meta.db_table, vin=IndicadorIncidente._meta.db_table),
            (ventana(), *excluidos), output_field=JSONField()),
        "sugerido_por_texto": RawSQL(_SQL_POR_TEXTO_GUARDADO.format(
            inc=Incidente._meta.db_table), excluidos, output_field=JSONField()),
    }


_SQL_POR_INDICADORES = """(
    SELECT json_build_object('id', c.id, 'codigo', c.codigo, 'titulo', c.titulo,
                             'compartidos', count(*))::text
    FROM {inc} c JOIN {vin} v ON v.incidente_id = c.id
    WHERE c.entidad_id = {inc}.entidad_id AND c.creado >= {inc}.creado - %s
      AND c.creado < {inc}.creado AND c.estado NOT IN (%s, %s)
      AND v.indicador_id IN (SELECT p.indicador_id FROM {vin} p WHERE p.incidente_id = {inc}.id)
    GROUP BY c.id ORDER BY count(*) DESC, c.creado DESC LIMIT 1)"""
_SQL_POR_TEXTO_GUARDADO = """(
    SELECT json_build_object('id', s.id, 'codigo', s.codigo, 'titulo', s.titulo)::text
    FROM {inc} s WHERE s.id = {inc}.posible_duplicado_id AND s.estado NOT IN (%s, %s))"""


def _sugerencia_anotada(incidente: Incidente) -> Sugerencia | None:
    if incidente.estado not in ESTADOS_SUGERIBLES:
        return None
    if fila := incidente.sugerido_por_indicadores:
        return Sugerencia(_referencia(fila), 1.0, "indicadores", fila["compartidos"])
    if fila := incidente.sugerido_por_texto:
        return Sugerencia(_referencia(fila), incidente.similitud_duplicado, "texto")
    return None


def _referencia(fila: dict) -> Incidente:
    """The suggested master as the detail names it (id, code, title): not saved, not
    read again."""
    return Incidente(pk=fila["id"], codigo=fila["codigo"], titulo=fila["titulo"])


def duplicados_de(incidente: Incidente, *, usuario) -> list[Incidente]:
    """The master's duplicates that ``usuario`` may see (an entity never learns of another
    entity's incident merged into its own)."""
    from .selectors import incidentes_visibles

    return list(incidentes_visibles(usuario).filter(maestro_id=incidente.pk)
                .only("id", "codigo", "titulo", "estado", "fusionado_en", "entidad_id")
                .order_by("creado", "id"))


def preparar_detalle(incidente: Incidente, *, usuario) -> None:
    """What a detail view shows about duplicates, set on the instance: the live suggestion
    and the duplicates visible to ``usuario``."""
    from .selectors import incidentes_visibles

    incidente.sugerencia_duplicado = (_sugerencia_anotada(incidente)
                                      if hasattr(incidente, "sugerido_por_indicadores")
                                      else sugerencia_para(incidente))
    incidente.fusionable = incidente.estado in ESTADOS_SUGERIBLES or (
        incidente.estado == Estado.DUPLICADO and incidente.fusionado_en is None)
    # ``tiene_duplicados``: read with the row by selectors.incidente_detalle (no query when
    # it says none); other callers ask.
    incidente.duplicados_visibles = (duplicados_de(incidente, usuario=usuario)
                                     if getattr(incidente, "tiene_duplicados", True) else [])
    # A master of another entity (a staff-confirmed merge) is not named to this one.
    incidente.maestro_visible = None
    if incidente.maestro_id:
        incidente.maestro_visible = (incidentes_visibles(usuario)
                                     .filter(pk=incidente.maestro_id)
                                     .only("id", "codigo", "titulo", "entidad_id").first())


def aviso_reportante(incidente: Incidente) -> str | None:
    """What the reporter reads after sending a report that looks like an earlier one."""
    sugerido = getattr(incidente, "sugerencia_duplicado", None)
    if sugerido is None:
        return None
    return _("Su entidad reportó hace poco un incidente parecido: %(c)s «%(t)s». Registramos "
             "este reporte de todos modos; si es el mismo caso, el CGII los unirá y le "
             "avisará.") % {"c": sugerido.incidente.codigo, "t": sugerido.incidente.titulo}
