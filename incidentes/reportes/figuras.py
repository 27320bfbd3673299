"""Figures of the CGII incident management report (issue 8, §3), as plain dataclasses.

Every figure is measured *as of the cut-off* ``corte = min(end of hasta in La Paz, now)`` and
read from data that does not drift: the incident's creation instant, the SLA clocks' recorded
events and the columns the clock service derives from them (``terminado_en``, ``vence``,
``estado`` of a stopped clock), and the ``CruceSLA`` history. Definitions (docs/reportes.md):

- scope: ``incidentes_visibles(usuario)`` (entity users: their entities only), optionally one
  entity (``entidad_id``);
- received: created in [desde 00:00, hasta 24:00) La Paz; vulnerability reports are those of
  origin ``cgii_vulnerabilidad``, the rest are incidents;
- discarded: received and, by the cut-off, stopped as rejected or duplicate (their resolution
  clock stopped and the incident is ``rechazado``/``duplicado``); counted apart and left out of
  SLA compliance and mean times;
- resolved: resolution clock stopped inside the range and the incident is resolved or closed
  (a flow: an incident received earlier counts when it is resolved in the range);
- open at the end: created before the cut-off and its resolution clock not stopped by then;
- SLA cohort: received, not discarded. Per clock: ``cumplido`` = stopped by the cut-off within
  target; ``incumplido`` = its deadline reached by the cut-off (stopped late, or still running
  past the deadline); ``en_curso`` = the rest. ``porcentaje`` = cumplidos / (cumplidos +
  incumplidos) · 100, None when no clock is decided;
- mean times: over the cohort's clocks stopped by the cut-off; wall time = stop − start,
  working time = the clock's runs (pauses excluded) on its policy's calendar.

The number of queries does not depend on the number of incidents (aggregation in SQL; one lean
pass over stopped clocks' events for working time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.bd.replica import conexion_lectura
from cgii.entidades.models import Entidad, NivelEntidad
from protocolos.models import CruceSLA, Medida, PoliticaSLA, RelojSLA, TipoCruce, TipoIncidente

from ..models import Incidente, Origen
from ..selectors import incidentes_visibles
from ..states import Estado
from .tiempos import Tiempo, tiempos_medios

AMBITO = "incidente"  # incidentes.sla.AMBITO (not imported: sla imports services machinery)
MEDIDAS = (Medida.ACUSE.value, Medida.CONTENCION.value, Medida.RESOLUCION.value)
PRIORIDADES = ("P1", "P2", "P3", "P4")
ESTADOS_DESCARTE = (Estado.RECHAZADO.value, Estado.DUPLICADO.value)
ESTADOS_RESUELTO = (Estado.RESUELTO.value, Estado.CERRADO.value)
ESTADOS_NO_DESCARTE = tuple(e for e in Estado.values if e not in ESTADOS_DESCARTE)
# Backlog age buckets (days since the report, at the cut-off): [desde, hasta) in days.
TRAMOS_ANTIGUEDAD = ((0, 7), (7, 30), (30, 90), (90, None))
# Breach rows listed, latest first (a PDF table row costs ~50 ms to lay out); the total and
# the breakdowns are always complete.
LIMITE_INCUMPLIMIENTOS = 50
SIN_CLASIFICAR = "sin-clasificar"


def zona() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass
class CumplimientoSLA:
    total: int = 0
    cumplidos: int = 0
    incumplidos: int = 0
    en_curso: int = 0
    porcentaje: float | None = None

    @property
    def decididos(self) -> int:
        return self.cumplidos + self.incumplidos

    def sumar(self, total: int, cumplidos: int, incumplidos: int) -> None:
        self.total += total
        self.cumplidos += cumplidos
        self.incumplidos += incumplidos
        self.en_curso = self.total - self.cumplidos - self.incumplidos
        decididos = self.cumplidos + self.incumplidos
        self.porcentaje = round(100 * self.cumplidos / decididos, 1) if decididos else None


@dataclass
class FilaGrupo:
    clave: str
    etiqueta: str
    detalle: str = ""  # e.g. the taxonomy class of a type, the name of an entity
    recibidos: int = 0
    vulnerabilidades: int = 0
    descartados: int = 0
    resueltos: int = 0
    abiertos: int = 0
    sla_resolucion: CumplimientoSLA = field(default_factory=CumplimientoSLA)


@dataclass
class Incumplimiento:
    codigo: str
    entidad: str
    prioridad: str
    medida: str
    vence: datetime
    detectado_en: datetime | None
    motivo: str
    detenido_en: datetime | None  # None: still running at the cut-off


@dataclass
class Mes:
    mes: date  # first day of the month
    recibidos: int = 0
    resueltos: int = 0
    sla_resolucion: CumplimientoSLA = field(default_factory=CumplimientoSLA)


@dataclass
class FigurasGestion:
    desde: date
    hasta: date
    entidad_id: int | None
    corte: datetime
    generado_en: datetime
    recibidos: int = 0
    recibidos_incidentes: int = 0
    recibidos_vulnerabilidades: int = 0
    descartados: int = 0
    rechazados: int = 0
    duplicados: int = 0
    resueltos: int = 0
    resueltos_vulnerabilidades: int = 0
    abiertos: int = 0
    abiertos_vulnerabilidades: int = 0
    # received per category (taxonomy type; "Sin clasificar" last), most first — contract
    por_categoria: list[tuple[str, int]] = field(default_factory=list)
    categorias: list[FilaGrupo] = field(default_factory=list)
    prioridades: list[FilaGrupo] = field(default_factory=list)
    niveles: list[FilaGrupo] = field(default_factory=list)
    entidades: list[FilaGrupo] = field(default_factory=list)
    # medida -> compliance of the cohort's clocks — contract
    sla: dict[str, CumplimientoSLA] = field(default_factory=dict)
    # prioridad -> medida -> compliance (priority of the clock's policy)
    sla_por_prioridad: dict[str, dict[str, CumplimientoSLA]] = field(default_factory=dict)
    tiempos: dict[str, Tiempo] = field(default_factory=dict)
    incumplimientos: list[Incumplimiento] = field(default_factory=list)
    incumplimientos_total: int = 0
    backlog: list[tuple[str, int]] = field(default_factory=list)
    meses: list[Mes] = field(default_factory=list)


# ---- the range ---------------------------------------------------------------------------

def limites(desde: date, hasta: date, ahora: datetime | None = None) -> tuple[datetime, datetime,
                                                                               datetime]:
    """(start of desde, end of hasta, cut-off) as aware La Paz instants."""
    tz = zona()
    inicio = datetime.combine(desde, time.min, tzinfo=tz)
    fin = datetime.combine(hasta + timedelta(days=1), time.min, tzinfo=tz)
    ahora = ahora or timezone.now()
    return inicio, fin, min(fin, ahora)


def etiqueta_tramo(tramo: tuple[int, int | None]) -> str:
    a, b = tramo
    if a == 0:
        return _("Menos de %(n)d días") % {"n": b}
    if b is None:
        return _("Más de %(n)d días") % {"n": a}
    return _("%(a)d a %(b)d días") % {"a": a, "b": b}


class _Sql:
    """A SQL fragment with its positional parameters (composable with & and |)."""

    def __init__(self, sql: str, *params):
        self.sql, self.params = sql, list(params)

    def __and__(self, otro: _Sql) -> _Sql:
        return _Sql(f"({self.sql} AND {otro.sql})", *self.params, *otro.params)

    def __or__(self, otro: _Sql) -> _Sql:
        return _Sql(f"({self.sql} OR {otro.sql})", *self.params, *otro.params)


def _suma(cond: _Sql) -> _Sql:
    return _Sql(f"SUM(CASE WHEN {cond.sql} THEN 1 ELSE 0 END)", *cond.params)


def _en(columna: str, valores) -> _Sql:
    return _Sql(f"{columna} IN ({', '.join(['%s'] * len(valores))})", *valores)


def _consulta(partes: list) -> tuple[str, list]:
    """Join str and _Sql pieces into (sql, params), in order."""
    sql, params = [], []
    for p in partes:
        if isinstance(p, _Sql):
            sql.append(p.sql)
            params += p.params
        else:
            sql.append(p)
    return " ".join(sql), params


def _filas(partes: list) -> list[tuple]:
    sql, params = _consulta(partes)
    with conexion_lectura().cursor() as cursor:  # the replica inside leer_de_replica
        cursor.execute(sql, params)
        return cursor.fetchall()


_INC = Incidente._meta.db_table
_RELOJ = RelojSLA._meta.db_table
_POLITICA = PoliticaSLA._meta.db_table
_ENT = Entidad._meta.db_table
# The only vendor-specific SQL: epoch seconds of an instant and the number of events
# (PostgreSQL jsonb; SQLite JSON1 for the embedded profile).
_SQL_VENDOR = {
    "postgresql": {
        "epoca": "CAST(EXTRACT(EPOCH FROM {}) AS DOUBLE PRECISION)",
        "n_eventos": "jsonb_array_length(r.eventos)",
    },
    "sqlite": {
        "epoca": "((julianday({}) - 2440587.5) * 86400.0)",
        "n_eventos": "json_array_length(r.eventos)",
    },
}


@dataclass
class _Consulta:
    """What every section of the report shares: the period's instants as query parameters,
    the incidents' universe (CTE "u") and the cohort whose resolution SLA is judged."""

    desde: date
    hasta: date
    corte: datetime
    alcance: _Sql
    p_inicio: object
    p_fin: object
    p_corte: object
    u: _Sql = None
    cohorte: _Sql = None

    def universo(self, con_nivel: bool) -> _Sql:
        # Each incident joined once to its resolution clock (the SQL this report is made
        # of); the universe is every incident that can count in some figure of the range.
        nivel = (f", e.nivel FROM {_INC} i JOIN {_ENT} e ON e.id = i.entidad_id" if con_nivel
                 else f" FROM {_INC} i")
        return _Sql(
            f"WITH u AS (SELECT i.id, i.codigo, i.tipo_id, i.prioridad, i.entidad_id, "
            f"i.origen, i.estado, i.creado, r.terminado_en AS fin_res, r.estado AS est_res, "
            f"r.vence AS vence_res{nivel} LEFT JOIN {_RELOJ} r ON r.ambito = %s "
            f"AND r.objeto_id = i.id AND r.medida = %s WHERE {self.alcance.sql} i.creado < %s "
            f"AND (i.creado >= %s OR r.terminado_en IS NULL OR r.terminado_en >= %s))",
            AMBITO, Medida.RESOLUCION.value, *self.alcance.params, self.p_fin, self.p_inicio,
            self.p_inicio)


def _alcance(usuario, entidad_id: int | None) -> _Sql:
    """Tenant scope: the selector's own SQL, embedded (never rebuilt by hand here); a scope
    without conditions (CGII staff, all entities) needs no semi-join."""
    visibles: QuerySet[Incidente] = incidentes_visibles(usuario)
    if entidad_id is not None:
        visibles = visibles.filter(entidad_id=entidad_id)
    if not visibles.query.where:
        return _Sql("")
    try:
        sql_v, params_v = visibles.order_by().values("pk").query.sql_with_params()
        return _Sql(f"i.id IN ({sql_v}) AND", *params_v)
    except EmptyResultSet:  # e.g. a user without any entity: nothing is visible
        return _Sql("1 = 0 AND")


def _banderas(c: _Consulta) -> dict[str, _Sql]:
    """Per-incident 0/1 flags (what each count counts)."""
    recibido = _Sql("u.creado >= %s", c.p_inicio)
    vulnerabilidad = _Sql("u.origen = %s", Origen.CGII_VULNERABILIDAD.value)
    detenido = _Sql("u.fin_res < %s", c.p_corte)
    descartado = recibido & detenido & _en("u.estado", ESTADOS_DESCARTE)
    resuelto = (_Sql("u.fin_res >= %s AND u.fin_res < %s", c.p_inicio, c.p_corte)
                & _en("u.estado", ESTADOS_RESUELTO))
    abierto = _Sql("u.creado < %s AND (u.fin_res IS NULL OR u.fin_res >= %s)", c.p_corte,
                   c.p_corte)
    res_cumplido = _Sql("u.fin_res < %s AND u.est_res = %s", c.p_corte, "cumplido")
    res_incumplido = _Sql("u.vence_res < %s AND u.est_res NOT IN (%s, %s)", c.p_corte,
                          "cumplido", "pausado")
    banderas = {
        "rec": recibido, "vul": recibido & vulnerabilidad, "descart": descartado,
        "rech": descartado & _Sql("u.estado = %s", Estado.RECHAZADO.value),
        "res": resuelto, "res_vul": resuelto & vulnerabilidad, "abi": abierto,
        "abi_vul": abierto & vulnerabilidad, "coh": c.cohorte,
        "coh_c": c.cohorte & res_cumplido, "coh_i": c.cohorte & res_incumplido,
    }
    dt = connection.ops.adapt_datetimefield_value
    for k, (a, b) in enumerate(TRAMOS_ANTIGUEDAD):
        q = abierto & _Sql("u.creado <= %s", dt(c.corte - timedelta(days=a)))
        if b is not None:
            q = q & _Sql("u.creado > %s", dt(c.corte - timedelta(days=b)))
        banderas[f"t{k}"] = q
    return banderas


def _filas_desglose(c: _Consulta, banderas: dict[str, _Sql]) -> list[tuple]:
    """1 query: every breakdown and the totals (UNION ALL over the flags, computed once in
    CTE "f")."""
    f_cte: list = [", f AS (SELECT u.tipo_id, u.prioridad, u.entidad_id, u.nivel,",
                   _Sql(*_trunc_mes("u.creado", settings.TIME_ZONE)), "AS mes_rec,",
                   _Sql(*_trunc_mes("u.fin_res", settings.TIME_ZONE)), "AS mes_res"]
    for nombre, cond in banderas.items():
        f_cte += [", CASE WHEN", cond, f"THEN 1 ELSE 0 END AS {nombre}"]
    f_cte.append("FROM u)")
    sumas = ", ".join(f"SUM({n})" for n in banderas)
    ramas = [("cat", "tipo_id"), ("pri", "prioridad"), ("niv", "nivel"), ("ent", "entidad_id"),
             ("mrec", "mes_rec"), ("mres", "mes_res"), ("tot", None)]
    union = " UNION ALL ".join(
        f"SELECT '{g}', CAST({col} AS VARCHAR(40)), {sumas} FROM f GROUP BY {col}" if col
        else f"SELECT '{g}', NULL, {sumas} FROM f" for g, col in ramas)
    return _filas([c.universo(con_nivel=True), *f_cte, union])


def _totales(fig: FigurasGestion, n: dict) -> None:
    fig.recibidos, fig.recibidos_vulnerabilidades = n["rec"], n["vul"]
    fig.descartados, fig.rechazados = n["descart"], n["rech"]
    fig.resueltos, fig.resueltos_vulnerabilidades = n["res"], n["res_vul"]
    fig.abiertos, fig.abiertos_vulnerabilidades = n["abi"], n["abi_vul"]
    fig.backlog = [(etiqueta_tramo(t), n[f"t{k}"]) for k, t in enumerate(TRAMOS_ANTIGUEDAD)]


def _meses_del_rango(desde: date, hasta: date) -> dict[date, Mes]:
    meses: dict[date, Mes] = {}
    mes = date(desde.year, desde.month, 1)
    while mes <= hasta:
        meses[mes] = Mes(mes=mes)
        mes = date(mes.year + (mes.month == 12), mes.month % 12 + 1, 1)
    return meses


class _Etiquetas:
    """Labels of the breakdown keys (types, entities, levels), read once."""

    def __init__(self, filas: list[tuple]):
        self.tipos = {str(pk): (codigo, nombre, clase) for pk, codigo, nombre, clase in
                      TipoIncidente.objects.values_list("pk", "codigo", "nombre",
                                                        "clase__nombre")}
        self.entidades = {str(pk): (sigla, nombre) for pk, sigla, nombre in
                          Entidad.objects.filter(pk__in=[int(f[1]) for f in filas
                                                         if f[0] == "ent"])
                          .values_list("pk", "sigla", "nombre")}
        self.niveles = dict(NivelEntidad.choices)

    def de(self, grupo: str, clave) -> tuple[str, str, str]:
        """(key, label, detail) of one row of a breakdown."""
        if grupo == "cat":
            return self.tipos.get(clave, (SIN_CLASIFICAR, _("Sin clasificar"), ""))
        if grupo == "pri":
            return clave, clave, ""
        if grupo == "niv":
            return clave, str(self.niveles.get(clave, clave)), ""
        return (clave, *self.entidades.get(clave, ("?", "")))


def _fila_grupo(clave, etiqueta, detalle, n: dict) -> FilaGrupo:
    fila = FilaGrupo(clave=clave, etiqueta=etiqueta, detalle=detalle or "",
                     recibidos=n["rec"], vulnerabilidades=n["vul"], descartados=n["descart"],
                     resueltos=n["res"], abiertos=n["abi"])
    fila.sla_resolucion.sumar(n["coh"], n["coh_c"], n["coh_i"])
    return fila


def _seccion_desgloses(c: _Consulta, fig: FigurasGestion) -> None:
    """Totals, backlog, per-month figures and the four breakdowns."""
    banderas = _banderas(c)
    nombres = list(banderas)
    filas = _filas_desglose(c, banderas)
    etiquetas = _Etiquetas(filas)
    tz = zona()
    meses = _meses_del_rango(c.desde, c.hasta)
    grupos: dict[str, list[FilaGrupo]] = {"cat": [], "pri": [], "niv": [], "ent": []}
    for g, clave, *valores in filas:
        n = dict(zip(nombres, (int(x or 0) for x in valores), strict=True))
        if g == "tot":
            _totales(fig, n)
        elif g in ("mrec", "mres"):
            m = meses.get(_primero_de_mes(clave, tz))
            if m is not None and g == "mrec":
                m.recibidos = n["rec"]
                m.sla_resolucion.sumar(n["coh"], n["coh_c"], n["coh_i"])
            elif m is not None:
                m.resueltos = n["res"]
        elif n["rec"] or n["res"] or n["abi"]:
            grupos[g].append(_fila_grupo(*etiquetas.de(g, clave), n))
    if not fig.backlog:
        fig.backlog = [(etiqueta_tramo(t), 0) for t in TRAMOS_ANTIGUEDAD]
    fig.recibidos_incidentes = fig.recibidos - fig.recibidos_vulnerabilidades
    fig.duplicados = fig.descartados - fig.rechazados
    fig.categorias = sorted(grupos["cat"], key=lambda x: (x.clave == SIN_CLASIFICAR,
                                                          -x.recibidos, x.etiqueta))
    fig.por_categoria = [(x.etiqueta, x.recibidos) for x in fig.categorias if x.recibidos]
    fig.prioridades = sorted(grupos["pri"], key=lambda x: x.clave)
    orden_niveles = list(etiquetas.niveles)
    fig.niveles = sorted(grupos["niv"], key=lambda x: orden_niveles.index(x.clave)
                         if x.clave in orden_niveles else 99)
    fig.entidades = sorted(grupos["ent"], key=lambda x: (-x.recibidos, x.etiqueta))
    fig.meses = list(meses.values())


def _relojes_sql() -> _Sql:
    return _Sql(f"FROM u JOIN {_RELOJ} r ON r.ambito = %s AND r.objeto_id = u.id", AMBITO)


def _incumplido_r(c: _Consulta) -> _Sql:
    return _Sql("r.vence < %s AND r.estado NOT IN (%s, %s)", c.p_corte, "cumplido", "pausado")


def _seccion_sla(c: _Consulta, fig: FigurasGestion, politicas: dict) -> dict:
    """1 query: the cohort's clocks by measure and policy priority. The same query sums the
    wall time of the clocks stopped by the cut-off (start = the incident's creation, written
    in the same transaction as the clock's start event; stop = terminado_en) and, for clocks
    with only a start and a stop, their span; on a 24×7 policy that span is also the working
    time. Only the other clocks (working-hours policies, or with pauses) go through the
    Python pass of ``_seccion_tiempos``. Returns those base sums per measure."""
    r_cumplido = _Sql("r.terminado_en < %s AND r.estado = %s", c.p_corte, "cumplido")
    fig.sla = {m: CumplimientoSLA() for m in MEDIDAS}
    fig.sla_por_prioridad = {p: {m: CumplimientoSLA() for m in MEDIDAS} for p in PRIORIDADES}
    vendor = _SQL_VENDOR.get(connection.vendor, _SQL_VENDOR["sqlite"])
    span = (f"({vendor['epoca'].format('r.terminado_en')} - "
            f"{vendor['epoca'].format('u.creado')})")
    detenido_r = _Sql("r.terminado_en < %s", c.p_corte)
    simple = f"{vendor['n_eventos']} <= 2"
    base_tiempos: dict[str, list[float]] = {m: [0, 0.0, 0.0] for m in MEDIDAS}
    for medida, politica_id, total, cump, inc, n_det, pared, corrido in _filas(
            [c.u, "SELECT r.medida, r.politica_id, COUNT(*),", _suma(r_cumplido), ",",
             _suma(_incumplido_r(c)), ",", _suma(detenido_r), ",",
             _Sql(f"SUM(CASE WHEN {detenido_r.sql} THEN {span} ELSE 0 END)",
                  *detenido_r.params), ",",
             _Sql(f"SUM(CASE WHEN {detenido_r.sql} AND {simple} THEN {span} ELSE 0 END)",
                  *detenido_r.params),
             _relojes_sql(), "WHERE", c.cohorte, "GROUP BY r.medida, r.politica_id"]):
        args = (int(total or 0), int(cump or 0), int(inc or 0))
        t = base_tiempos.setdefault(medida, [0, 0.0, 0.0])
        t[0] += int(n_det or 0)
        t[1] += float(pared or 0)
        if politicas[politica_id].calendario.continuo:
            t[2] += float(corrido or 0)
        prioridad = politicas[politica_id].prioridad
        fig.sla.setdefault(medida, CumplimientoSLA()).sumar(*args)
        fig.sla_por_prioridad.setdefault(prioridad, {}).setdefault(
            medida, CumplimientoSLA()).sumar(*args)
    fig.incumplimientos_total = sum(x.incumplidos for x in fig.sla.values())
    return base_tiempos


def _seccion_incumplimientos(c: _Consulta, fig: FigurasGestion, politicas: dict) -> None:
    """2 queries: the breach list (the latest LIMITE_INCUMPLIMIENTOS by due instant)."""
    ids = [fila[0] for fila in _filas(
        [c.u, "SELECT r.id", _relojes_sql(), "WHERE", c.cohorte & _incumplido_r(c),
         f"ORDER BY r.vence DESC, u.codigo DESC, r.medida DESC LIMIT {int(LIMITE_INCUMPLIMIENTOS)}"])]
    cruce = CruceSLA.objects.filter(reloj=OuterRef("pk"), tipo=TipoCruce.INCUMPLIMIENTO) \
        .order_by("umbral")
    incidente = Incidente.objects.filter(pk=OuterRef("objeto_id"))
    for r in (RelojSLA.objects.filter(pk__in=ids).order_by("vence", "objeto_id", "medida")
              .annotate(codigo=Subquery(incidente.values("codigo")[:1]),
                        sigla=Subquery(incidente.values("entidad__sigla")[:1]),
                        detectado=Subquery(cruce.values("detectado_en")[:1]),
                        motivo_cruce=Subquery(cruce.values("motivo")[:1]))
              .values("codigo", "sigla", "medida", "politica_id", "objetivo_min", "vence",
                      "terminado_en", "detectado", "motivo_cruce")):
        detenido_en = r["terminado_en"] if r["terminado_en"] and r["terminado_en"] < c.corte \
            else None
        politica = politicas.get(r["politica_id"])
        fig.incumplimientos.append(Incumplimiento(
            codigo=r["codigo"], entidad=r["sigla"],
            prioridad=politica.prioridad if politica else "", medida=r["medida"],
            vence=r["vence"], detectado_en=r["detectado"],
            motivo=r["motivo_cruce"] or _motivo(r["medida"], r["objetivo_min"], politica,
                                                detenido_en),
            detenido_en=detenido_en,
        ))
    fig.incumplimientos.sort(key=lambda i: (i.vence, i.codigo, i.medida), reverse=True)


def _seccion_tiempos(c: _Consulta, fig: FigurasGestion, politicas: dict,
                     base_tiempos: dict) -> None:
    """1 query: working time of the stopped clocks on working-hours policies or with pauses
    (events → runs); a start/stop-only clock comes as two epoch numbers, without events."""
    vendor = _SQL_VENDOR.get(connection.vendor, _SQL_VENDOR["sqlite"])
    laborales = [pk for pk, p in politicas.items() if not p.calendario.continuo]
    necesita = _Sql(f"{vendor['n_eventos']} > 2")
    if laborales:
        necesita = necesita | _en("r.politica_id", laborales)
    detenido_r = _Sql("r.terminado_en < %s", c.p_corte)
    sql, params = _consulta([
        c.u, f"SELECT r.medida, r.politica_id, {vendor['epoca'].format('u.creado')}, "
        f"{vendor['epoca'].format('r.terminado_en')}, "
        f"CASE WHEN {vendor['n_eventos']} > 2 THEN r.eventos END", _relojes_sql(),
        "WHERE", c.cohorte & detenido_r & necesita])
    fig.tiempos = tiempos_medios(sql, params, base=base_tiempos, politicas=politicas,
                                 medidas=MEDIDAS, desde=c.desde, corte=c.corte)


def figuras_gestion(*, usuario, desde: date, hasta: date,
                    entidad_id: int | None = None) -> FigurasGestion:
    """The incident-management report: one builder per section, over one shared universe."""
    inicio, fin, corte = limites(desde, hasta)
    fig = FigurasGestion(desde=desde, hasta=hasta, entidad_id=entidad_id, corte=corte,
                         generado_en=timezone.now())
    dt = connection.ops.adapt_datetimefield_value
    c = _Consulta(desde=desde, hasta=hasta, corte=corte, alcance=_alcance(usuario, entidad_id),
                  p_inicio=dt(inicio), p_fin=dt(fin), p_corte=dt(corte))
    c.u = c.universo(con_nivel=False)
    recibido = _Sql("u.creado >= %s", c.p_inicio)
    c.cohorte = recibido & (_en("u.estado", ESTADOS_NO_DESCARTE)
                            | _Sql("u.fin_res IS NULL OR u.fin_res >= %s", c.p_corte))
    _seccion_desgloses(c, fig)
    politicas = {p.pk: p for p in PoliticaSLA.objects.select_related("calendario")}
    base_tiempos = _seccion_sla(c, fig, politicas)
    _seccion_incumplimientos(c, fig, politicas)
    _seccion_tiempos(c, fig, politicas, base_tiempos)
    return fig


def _trunc_mes(columna: str, zona_nombre: str) -> tuple:
    sql, params = connection.ops.datetime_trunc_sql("month", columna, (), zona_nombre)
    return (sql, *params)


def _primero_de_mes(valor, tz) -> date | None:
    if valor is None:
        return None
    if isinstance(valor, str):  # SQLite
        return date(int(valor[:4]), int(valor[5:7]), 1)
    if isinstance(valor, datetime):
        valor = valor.astimezone(tz) if timezone.is_aware(valor) else valor
        return date(valor.year, valor.month, 1)
    return date(valor.year, valor.month, 1)


def _motivo(medida: str, objetivo_min: int, politica: PoliticaSLA | None,
            detenido_en: datetime | None) -> str:
    """Short on purpose (it is a table cell): "Superó el objetivo de 8 h hábiles; atendido el
    03/02/2026 10:00" / "…; sin atender al corte"."""
    horas = f"{objetivo_min / 60:g}"
    if politica is not None and not politica.calendario.continuo:
        texto = _("Superó el objetivo de %(h)s h hábiles") % {"h": horas}
    else:
        texto = _("Superó el objetivo de %(h)s h") % {"h": horas}
    if detenido_en is None:
        return texto + "; " + _("sin atender al corte")
    return texto + "; " + _("atendido el %(f)s") % {
        "f": timezone.localtime(detenido_en).strftime("%d/%m/%Y %H:%M")}


__all__ = ["CumplimientoSLA", "FigurasGestion", "FilaGrupo", "Incumplimiento", "Mes", "Tiempo",
           "figuras_gestion", "limites"]
