"""Every read of indicators, scoped to what the acting user may see (DESIGN.md §3.4).

- An incident's indicators: whoever may see the incident (``incidente_obtener``: 404 else).
- One indicator: staff always; an entity user only when it is linked to one of the
  incidents they may see (404 otherwise: no existence leak).
- Correlation (other incidents and entities that saw a value): CGII staff only, capped, and
  never for values on a warninglist. Entity users never see other entities through it.
- ``buscar_valores``: which of the caller-visible incidents saw each value (one query).
- Feeds / TAXII: ``indicadores_compartibles`` (TLP rules) + ``pagina_keyset`` on
  (modificado, id).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from cgii.entidades.models import Entidad
from cgii.entidades.selectors import (
    es_personal_cgii,
    filtrar_por_entidad,
    ids_entidades_de,
    ve_todas_las_entidades,
)
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado
from incidentes.models import TLP, Incidente
from incidentes.selectors import evidencias_de, incidente_obtener
from incidentes.states import Estado

from . import conf, listas, vista
from .models import ImportacionSTIX, Indicador, IndicadorIncidente, ValorBuscable
from .normalizacion import ValorInvalido, extraer, normalizar, refang

# ---- one incident ----------------------------------------------------------------------------


def vinculos_de_incidente(*, usuario, incidente_id: int,
                          incidente: Incidente | None = None
                          ) -> tuple[Incidente, QuerySet[IndicadorIncidente]]:
    """``incidente``: already read for ``usuario`` by a selector (the detail page), so not
    read again."""
    if incidente is None or incidente.pk != incidente_id:
        incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id)
    qs = (incidente.vinculos_indicadores.select_related("indicador", "agregado_por")
          .order_by("-agregado_en", "-id"))
    return incidente, qs


def _etiqueta_estado(estado: str) -> str:
    return str(Estado(estado).label) if estado in Estado.values else estado


def _fila_incidente(v: dict) -> dict:
    return {"id": v["incidente_id"], "codigo": v["incidente__codigo"],
            "titulo": v["incidente__titulo"], "estado": v["incidente__estado"],
            "estado_etiqueta": _etiqueta_estado(v["incidente__estado"]),
            "tlp": v["incidente__tlp"],
            "entidad": {"id": v["incidente__entidad_id"], "sigla": v["incidente__entidad__sigla"]},
            "rol": v["rol"], "agregado_en": v["agregado_en"]}


_CAMPOS_FILA = ("indicador_id", "incidente_id", "incidente__codigo", "incidente__titulo",
                "incidente__estado", "incidente__tlp", "incidente__entidad_id",
                "incidente__entidad__sigla", "rol", "agregado_en")


def correlacion_resumen(*, usuario, indicadores: list[Indicador],
                        excluir_incidente_id: int | None = None,
                        por_indicador: int | None = None) -> dict[int, dict]:
    """For staff: per indicator, the other incidents that saw it (the N most recent) and the
    totals of incidents and entities. One statement on PostgreSQL, two elsewhere, whatever
    the number of indicators.
    Entity users get {} (correlation is staff only); warninglisted values get only the list.
    """
    if not es_personal_cgii(usuario) or not indicadores:
        return {}
    n = por_indicador or conf.valor("INDICADORES_CORRELACION_EN_LISTA")
    resultado: dict[int, dict] = {}
    ids = []
    for ind in indicadores:
        lista = listas.coincidencia(ind.tipo, ind.valor)
        resultado[ind.pk] = {"lista_advertencia": lista.resumen() if lista else None,
                             "total_incidentes": 0, "total_entidades": 0, "recientes": []}
        if lista is None:
            ids.append(ind.pk)
    if not ids:
        return resultado
    if connection.vendor == "postgresql":
        _correlacion_en_una(resultado, ids, excluir_incidente_id, n)
    else:
        _correlacion_en_dos(resultado, ids, excluir_incidente_id, n)
    return resultado


def _correlacion_en_dos(resultado: dict[int, dict], ids: list[int],
                        excluir_incidente_id: int | None, n: int) -> None:
    """The portable form (SQLite): totals, then the N most recent by a window."""
    base = IndicadorIncidente.objects.filter(indicador_id__in=ids)
    if excluir_incidente_id is not None:
        base = base.exclude(incidente_id=excluir_incidente_id)
    for fila in base.values("indicador_id").annotate(
            n=Count("id"), e=Count("incidente__entidad_id", distinct=True)):
        resultado[fila["indicador_id"]]["total_incidentes"] = fila["n"]
        resultado[fila["indicador_id"]]["total_entidades"] = fila["e"]
    recientes = (base.annotate(fila=Window(RowNumber(), partition_by=[F("indicador_id")],
                                           order_by=[F("agregado_en").desc(), F("id").desc()]))
                 .filter(fila__lte=n).values(*_CAMPOS_FILA)
                 .order_by("indicador_id", "-agregado_en", "-id"))
    for v in recientes:
        resultado[v["indicador_id"]]["recientes"].append(_fila_incidente(v))


def _correlacion_en_una(resultado: dict[int, dict], ids: list[int],
                        excluir_incidente_id: int | None, n: int) -> None:
    """``correlacion_resumen``'s totals and N most recent sightings per indicator in one
    statement (PostgreSQL): the two ORM queries it replaces were the staff detail page's
    seventh statement and ~10 % of its profiled time, mostly building the window query
    (issue 22). The recent ones read the ``(indicador, -agregado_en, -id)`` index, N rows
    each; the totals count every sighting, as before."""
    vinculos, incidentes = IndicadorIncidente._meta.db_table, Incidente._meta.db_table
    sql = f"""
        SELECT q.id, t.n, t.e, r.incidente_id, r.codigo, r.titulo, r.estado, r.tlp,
               r.entidad_id, r.sigla, r.rol, r.agregado_en
        FROM unnest(%(ids)s::bigint[]) AS q(id)
        CROSS JOIN LATERAL (
            SELECT count(*) AS n, count(DISTINCT inc.entidad_id) AS e
            FROM {vinculos} vi JOIN {incidentes} inc ON inc.id = vi.incidente_id
            WHERE vi.indicador_id = q.id AND vi.incidente_id <> %(excluir)s
        ) t
        LEFT JOIN LATERAL (
            SELECT vi.id, vi.incidente_id, inc.codigo, inc.titulo, inc.estado, inc.tlp,
                   inc.entidad_id, ent.sigla, vi.rol, vi.agregado_en
            FROM {vinculos} vi
            JOIN {incidentes} inc ON inc.id = vi.incidente_id
            JOIN {Entidad._meta.db_table} ent ON ent.id = inc.entidad_id
            WHERE vi.indicador_id = q.id AND vi.incidente_id <> %(excluir)s
            ORDER BY vi.agregado_en DESC, vi.id DESC
            LIMIT %(n)s
        ) r ON true
        WHERE t.n > 0
        ORDER BY q.id, r.agregado_en DESC, r.id DESC
    """
    # Ids are positive: 0 excludes nothing.
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": ids, "excluir": excluir_incidente_id or 0, "n": n})
        filas = cursor.fetchall()
    for (indicador_id, total, entidades, incidente_id, codigo, titulo, estado, tlp,
         entidad_id, sigla, rol, agregado_en) in filas:
        r = resultado[indicador_id]
        r["total_incidentes"], r["total_entidades"] = total, entidades
        if incidente_id is not None:
            r["recientes"].append(_fila_incidente({
                "incidente_id": incidente_id, "incidente__codigo": codigo,
                "incidente__titulo": titulo, "incidente__estado": estado,
                "incidente__tlp": tlp, "incidente__entidad_id": entidad_id,
                "incidente__entidad__sigla": sigla, "rol": rol, "agregado_en": agregado_en}))


def correlacion(*, usuario, indicador: Indicador) -> dict:
    """Staff only: every incident (capped to the N most recent, N =
    INDICADORES_CORRELACION_MAX) and every entity where the value was seen."""
    if not es_personal_cgii(usuario):
        raise PermisoDenegado()
    lista = listas.coincidencia(indicador.tipo, indicador.valor)
    if lista is not None:
        return {"lista_advertencia": lista.resumen(), "total_incidentes": 0,
                "total_entidades": 0, "maximo": 0, "incidentes": [], "entidades": []}
    maximo = conf.valor("INDICADORES_CORRELACION_MAX")
    base = IndicadorIncidente.objects.filter(indicador=indicador)
    entidades = list(base.values("incidente__entidad_id", "incidente__entidad__sigla",
                                 "incidente__entidad__nombre")
                     .annotate(incidentes=Count("id")).order_by("-incidentes",
                                                                "incidente__entidad__sigla"))
    recientes = base.values(*_CAMPOS_FILA).order_by("-agregado_en", "-id")[:maximo]
    return {
        "lista_advertencia": None,
        "total_incidentes": sum(e["incidentes"] for e in entidades),
        "total_entidades": len(entidades),
        "maximo": maximo,
        "incidentes": [_fila_incidente(v) for v in recientes],
        "entidades": [{"id": e["incidente__entidad_id"], "sigla": e["incidente__entidad__sigla"],
                       "nombre": e["incidente__entidad__nombre"], "incidentes": e["incidentes"]}
                      for e in entidades],
    }


def indicador_obtener(*, usuario, indicador_id: int) -> Indicador:
    """The indicator if the user may see it: staff always; an entity user when one of their
    visible incidents saw it. 404 otherwise."""
    qs = Indicador.objects.all()
    if not es_personal_cgii(usuario):
        qs = qs.filter(Exists(filtrar_por_entidad(
            IndicadorIncidente.objects.filter(indicador=OuterRef("pk")), usuario,
            campo="incidente__entidad")))
    try:
        return qs.get(pk=indicador_id)
    except (Indicador.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


def vinculos_visibles(*, usuario, indicador: Indicador) -> list[dict]:
    """The caller's own view of where an indicator was seen: for an entity user, only their
    entity's incidents (never anyone else's)."""
    qs = filtrar_por_entidad(IndicadorIncidente.objects.filter(indicador=indicador), usuario,
                             campo="incidente__entidad")
    maximo = conf.valor("INDICADORES_CORRELACION_MAX")
    return [_fila_incidente(v) for v in qs.values(*_CAMPOS_FILA)
            .order_by("-agregado_en", "-id")[:maximo]]


def vista_propia(*, usuario, indicador: Indicador) -> vista.Vista:
    """An entity user's own view of an indicator they may see (``indicador_obtener``): the
    values of their own entity's sightings only (see ``vista``)."""
    vinculos = list(filtrar_por_entidad(IndicadorIncidente.objects.filter(indicador=indicador),
                                        usuario, campo="incidente__entidad"))
    if not vinculos:
        raise NoEncontrado()
    return vista.de_vinculos(indicador, vinculos)


# ---- lookup -----------------------------------------------------------------------------------


def buscar_valores(usuario, valores: list[str], *, por_valor: int = 20) -> list[dict]:
    """For each value (raw, defanged or typed): its normalised form and which of the
    incidents ``usuario`` may see recorded it (the ``por_valor`` most recent, plus the
    total). Values on a warninglist are flagged and not looked up. One query.

    Driven from the values: ``unnest(values)`` → the (valor, tipo) unique index → for each
    indicator a LATERAL read of its most recent links on the correlation index, filtered by
    tenant. Expressed in SQL because the ORM form let the planner hash-join the whole
    link table for large value lists (0.5-1.5 s for 10,000 values over 1,000,000 links;
    this form stays on the indexes).
    """
    maximo = conf.valor("INDICADORES_BUSQUEDA_MAX_VALORES")
    if len(valores) > maximo:
        raise ErrorValidacion(extra={"valores": [_("Máximo %(n)d valores por consulta.")
                                                 % {"n": maximo}]})
    respuestas = []
    claves: dict[tuple[str, str], list[dict]] = {}
    for original in valores:
        r = {"valor": original, "tipo": None, "normalizado": None, "error": None,
             "lista_advertencia": None, "total": 0, "incidentes": []}
        respuestas.append(r)
        try:
            n = normalizar(original)
        except ValorInvalido as exc:
            r["error"] = str(exc)
            continue
        r["tipo"], r["normalizado"] = n.tipo, n.valor
        lista = listas.coincidencia(n.tipo, n.valor)
        if lista is not None:
            r["lista_advertencia"] = lista.resumen()
            continue
        claves.setdefault((n.tipo, n.valor), []).append(r)
    if not claves:
        return respuestas
    todas = ve_todas_las_entidades(usuario)
    filtro = "" if todas else "AND inc.entidad_id = ANY(%(entidades)s)"
    sql = f"""
        SELECT i.tipo, i.valor, v.incidente_id, v.codigo, v.titulo, v.estado, v.tlp,
               v.entidad_id, v.sigla, v.rol, v.agregado_en, v.total
        FROM unnest(%(valores)s::text[]) AS q(valor)
        JOIN {Indicador._meta.db_table} i ON i.valor = q.valor
        CROSS JOIN LATERAL (
            SELECT vi.incidente_id, inc.codigo, inc.titulo, inc.estado, inc.tlp,
                   inc.entidad_id, ent.sigla, vi.rol, vi.agregado_en,
                   count(*) OVER () AS total
            FROM {IndicadorIncidente._meta.db_table} vi
            JOIN {Incidente._meta.db_table} inc ON inc.id = vi.incidente_id
            JOIN {Entidad._meta.db_table} ent ON ent.id = inc.entidad_id
            WHERE vi.indicador_id = i.id {filtro}
            ORDER BY vi.agregado_en DESC, vi.id DESC
            LIMIT %(por_valor)s
        ) v
    """
    parametros = {"valores": sorted({v for _t, v in claves}), "por_valor": por_valor,
                  "entidades": [] if todas else sorted(ids_entidades_de(usuario))}
    with connection.cursor() as cursor:
        cursor.execute(sql, parametros)
        filas = cursor.fetchall()
    # Labels translated once per call, not per row (Estado(x).label rebuilds the choices:
    # 1.8 s of a 10,000-value lookup at 10 M indicators).
    etiquetas = {valor: str(etiqueta) for valor, etiqueta in Estado.choices}
    for (tipo, valor, incidente_id, codigo, titulo, estado, tlp, entidad_id, sigla, rol,
         agregado_en, total) in filas:
        for r in claves.get((tipo, valor), ()):
            r["total"] = total
            r["incidentes"].append({"id": incidente_id, "codigo": codigo, "titulo": titulo,
                                    "estado": estado,
                                    "estado_etiqueta": etiquetas.get(estado, estado),
                                    "tlp": tlp,
                                    "entidad": {"id": entidad_id, "sigla": sigla},
                                    "rol": rol, "agregado_en": agregado_en})
    for lista_r in claves.values():
        for r in lista_r:
            r["incidentes"].sort(key=lambda x: x["agregado_en"], reverse=True)
    return respuestas


# ---- extraction ---------------------------------------------------------------------------------


def candidatos_de_incidente(*, usuario, incidente_id: int) -> list[dict]:
    """Indicators found in the incident's title and description, its e-mails and its
    uploaded .eml evidence, for the analyst to confirm
    (nothing is written; confirming calls ``services.indicador_agregar``/``pegar``)."""
    incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id)
    encontrados = [(original, n.tipo, n.valor, "") for original, n in
                   extraer(f"{incidente.titulo}\n{incidente.descripcion}")]
    if es_personal_cgii(usuario):
        # The incident's e-mails (headers, attachments, replies): incidentes.correo.
        from incidentes.correo.selectors import candidatos_de_correos

        vistos = {(t, v) for _o, t, v, _f in encontrados}
        for c in candidatos_de_correos(incidente.pk):
            if (c["tipo"], c["valor"]) not in vistos:
                vistos.add((c["tipo"], c["valor"]))
                encontrados.append((c["original"], c["tipo"], c["valor"], c["fuente"]))
    # Uploaded .eml samples (headers, bodies, links): incidentes.evidencias.
    from incidentes.evidencias.candidatos import candidatos_de_evidencias

    vistos = {(t, v) for _o, t, v, _f in encontrados}
    for c in candidatos_de_evidencias(evidencias_de(usuario=usuario, incidente=incidente)):
        if (c["tipo"], c["valor"]) not in vistos:
            vistos.add((c["tipo"], c["valor"]))
            encontrados.append((c["original"], c["tipo"], c["valor"], c["fuente"]))
    vinculados = set(incidente.vinculos_indicadores.filter(
        indicador__valor__in=[v for _o, _t, v, _f in encontrados]).values_list(
        "indicador__tipo", "indicador__valor"))
    salida = []
    for original, tipo, valor, fuente in encontrados:
        lista = listas.coincidencia(tipo, valor)
        salida.append({"original": original, "tipo": tipo, "valor": valor, "fuente": fuente,
                       "ya_vinculado": (tipo, valor) in vinculados,
                       "lista_advertencia": lista.resumen() if lista else None})
    return salida


# ---- feeds, TAXII -------------------------------------------------------------------------------

TLP_PARA_TODOS = ("clear", "green")


REVOCADOS = ("", "revocados", "todos")  # the staff list: not revoked (default), only, all


def indicadores_del_personal(usuario, *, revocados: str = "") -> QuerySet[Indicador]:
    """The national store as CGII staff browse it: by default what may be shared (expired
    included, revoked not); ``revocados="revocados"`` only the revoked ones, ``"todos"``
    everything. Staff only: anyone else gets PermisoDenegado."""
    if not es_personal_cgii(usuario):
        raise PermisoDenegado()
    if revocados == "revocados":
        return Indicador.objects.filter(revocado=True)
    if revocados == "todos":
        return Indicador.objects.all()
    return indicadores_compartibles(usuario, tlps=TLP.values, vigentes=False)


def _rango_tlp():
    """SQL rank of a sighting's TLP (ORDEN_TLP), to take the most restrictive one."""
    from .stix import RANGO_TLP

    return Case(*[When(tlp=c, then=Value(r)) for c, r in RANGO_TLP.items()],
                output_field=IntegerField())


def vinculos_propios(usuario, *, entidades=None, vigentes: bool = True) -> QuerySet:
    """Sightings of the user's own entities (or of ``entidades``, a subset of them), current
    ones only when ``vigentes`` (their own validity, not the national row's)."""
    from django.utils import timezone

    propias = ids_entidades_de(usuario) if entidades is None else entidades
    qs = IndicadorIncidente.objects.filter(incidente__entidad_id__in=list(propias))
    if vigentes:
        qs = qs.filter(Q(valido_hasta__isnull=True) | Q(valido_hasta__gt=timezone.now()))
    return qs


def indicadores_compartibles(usuario, *, tlps, vigentes: bool = True,
                             desde: datetime | None = None,
                             hasta: datetime | None = None,
                             entidades=None) -> QuerySet[Indicador]:
    """Indicators ``usuario`` may receive in a feed, among the TLP levels asked for,
    annotated with ``fecha`` (when this user's version of it was added: the keyset of feeds
    and TAXII) and ``propio`` (True: shown as the user's own view, ``vista``).

    Staff: the national rows, all of them (``fecha`` = ``modificado``). Entity users: the
    national TLP:CLEAR and TLP:GREEN rows (published to every entity), and, for values
    their own entity's incidents saw, their own view — its TLP is the most restrictive of
    their own sightings', its ``fecha`` their latest sighting, so neither the TLP nor the
    times another entity gave the value ever reach them (issue 16); a value both published
    nationally and seen by them is shown as the national row. ``entidades`` narrows
    the own sightings to some of the user's entities (an entity's TAXII collection).
    Revoked ones never; expired ones unless ``vigentes=False``. The caller drops
    warninglisted values (``listas``) when sharing for blocking (``pagina_keyset``).
    """
    from django.utils import timezone

    qs = Indicador.objects.filter(revocado=False)
    vigente = Q(valido_hasta__isnull=True) | Q(valido_hasta__gt=timezone.now())
    if es_personal_cgii(usuario):
        qs = qs.filter(tlp__in=list(tlps))
        if vigentes:
            qs = qs.filter(vigente)
        qs = qs.annotate(fecha=F("modificado"), propio=Value(False))
    else:
        from .stix import RANGO_TLP

        propios = (vinculos_propios(usuario, entidades=entidades, vigentes=vigentes)
                   .filter(indicador=OuterRef("pk")).order_by().values("indicador"))
        qs = qs.annotate(
            rango_propio=Subquery(propios.annotate(r=Max(_rango_tlp())).values("r")[:1]),
            visto_propio=Subquery(propios.annotate(m=Max("agregado_en")).values("m")[:1]))
        nacional = Q(tlp__in=[t for t in tlps if t in TLP_PARA_TODOS])
        if vigentes:
            nacional &= vigente
        # A published national row (CLEAR/GREEN) is shown as such, staff edits included;
        # the own view only where the national row is not published to the user.
        propio = Q(rango_propio__in=[RANGO_TLP[t] for t in tlps]) & ~nacional
        qs = qs.filter(propio | nacional).annotate(
            propio=Case(When(propio, then=Value(True)), default=Value(False),
                        output_field=BooleanField()),
            fecha=Case(When(propio, then=F("visto_propio")), default=F("modificado")))
    if desde is not None:
        qs = qs.filter(fecha__gte=desde)
    if hasta is not None:
        qs = qs.filter(fecha__lt=hasta)
    return qs


@dataclass(frozen=True)
class Cursor:
    modificado: datetime
    id: int

    def token(self) -> str:
        texto = f"{self.modificado.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(texto.encode()).decode().rstrip("=")

    @classmethod
    def desde_token(cls, token: str) -> Cursor:
        try:
            relleno = "=" * (-len(token) % 4)
            fecha, _sep, ident = base64.urlsafe_b64decode(token + relleno).decode().partition("|")
            momento = datetime.fromisoformat(fecha)
            if momento.tzinfo is None:
                raise ValueError
            return cls(momento, int(ident))
        except (ValueError, UnicodeDecodeError):
            raise ErrorValidacion(extra={"despues": [_("Marcador de página no válido.")]}) \
                from None


def pagina_keyset(qs: QuerySet[Indicador], *, despues: Cursor | None, limite: int,
                  publicable=None) -> tuple[list[Indicador], Cursor | None]:
    """One page in (fecha, id) order (``qs`` from ``indicadores_compartibles``) and the
    cursor of the next page (None at the end). Stable across workers and concurrent
    inserts: a row added later sorts after the cursor.

    ``publicable(row) -> bool`` withholds rows (warninglisted values): they are skipped
    while reading, so a page holds up to ``limite`` published rows, the cursor is always
    the last published row of the page and "more" means a published row follows. Nothing
    a client sees (the page, its dates, the cursor) describes a withheld row (issue 16)."""
    qs = qs.order_by("fecha", "id")
    filas: list[Indicador] = []
    desde = despues
    tanda = limite + 1
    while len(filas) <= limite:
        trozo = qs
        if desde is not None:
            trozo = trozo.filter(Q(fecha__gt=desde.modificado)
                                 | Q(fecha=desde.modificado, id__gt=desde.id))
        leidas = list(trozo[:tanda])
        filas += [f for f in leidas if publicable is None or publicable(f)]
        if len(leidas) < tanda:
            break
        desde = Cursor(leidas[-1].fecha, leidas[-1].pk)
        tanda = min(max(tanda, 100) * 2, 10_000)
    if len(filas) > limite:
        ultimo = filas[limite - 1]
        return filas[:limite], Cursor(ultimo.fecha, ultimo.pk)
    return filas, None


# ---- imports ----------------------------------------------------------------------------------


def importaciones_visibles(usuario) -> QuerySet[ImportacionSTIX]:
    """Staff see every import; anyone else only their own."""
    qs = ImportacionSTIX.objects.select_related("usuario", "incidente").order_by("-creado", "-id")
    if es_personal_cgii(usuario):
        return qs
    return qs.filter(usuario=usuario)


def importacion_obtener(*, usuario, importacion_id: int) -> ImportacionSTIX:
    try:
        return importaciones_visibles(usuario).get(pk=importacion_id)
    except (ImportacionSTIX.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


__all__ = [
    "Cursor", "buscar_valores", "candidatos_de_incidente", "correlacion",
    "correlacion_resumen", "importacion_obtener", "importaciones_visibles", "indicador_obtener",
    "indicadores_compartibles", "pagina_keyset", "vinculos_de_incidente", "vinculos_propios",
    "vinculos_visibles", "vista_propia",
]


def condicion_valor(texto: str) -> Q:
    """The staff list's value search: the text as typed, contained in the value (trigram
    index of ``ValorBuscable``, filled after commit by the ``indicadores.valores_buscables``
    sink), or, when it is a value, its normalised form (defanged, upper-case, IDN… all find
    the stored value at once, through the unique index)."""
    condicion = Q(pk__in=ValorBuscable.objects.filter(valor__icontains=refang(texto))
                  .values("indicador_id"))
    try:
        condicion |= Q(valor=normalizar(texto).valor)
    except ValorInvalido:
        pass
    return condicion
