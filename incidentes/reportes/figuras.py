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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.entidades.models import NivelEntidad
from protocolos import selectors as protocolos
from protocolos.calendario import Calendario
from protocolos.models import CruceSLA, Medida, PoliticaSLA, RelojSLA, TipoCruce

from ..models import Incidente, Origen
from ..selectors import incidentes_visibles
from ..states import Estado

AMBITO = "incidente"  # incidentes.sla.AMBITO (not imported: sla imports services machinery)
MEDIDAS = (Medida.ACUSE.value, Medida.CONTENCION.value, Medida.RESOLUCION.value)
PRIORIDADES = ("P1", "P2", "P3", "P4")
ESTADOS_DESCARTE = (Estado.RECHAZADO.value, Estado.DUPLICADO.value)
ESTADOS_RESUELTO = (Estado.RESUELTO.value, Estado.CERRADO.value)
ESTADOS_NO_DESCARTE = tuple(e for e in Estado.values if e not in ESTADOS_DESCARTE)
# Backlog age buckets (days since the report, at the cut-off): [desde, hasta) in days.
TRAMOS_ANTIGUEDAD = ((0, 7), (7, 30), (30, 90), (90, None))
LIMITE_INCUMPLIMIENTOS = 500
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
class Tiempo:
    """Mean time to stop one kind of clock (acuse = MTTA, resolucion = MTTR), in hours."""

    medida: str
    n: int = 0
    pared_horas: float | None = None
    laboral_horas: float | None = None


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


# ---- working time: the calendar's windows as a prefix sum (O(1) per instant) -------------

class _Acumulado:
    """Working seconds from a base day to an instant, on one calendar, for instants inside a
    known range of days; ``transcurrido(a, b) == W(b) - W(a)`` (the calendar's own windows:
    the same days, hours and holidays as ``Calendario.transcurrido``, which it falls back to
    outside the range)."""

    def __init__(self, calendario: Calendario, primero: date, ultimo: date):
        self.cal = calendario
        self.base = primero
        self.ventanas: list[tuple[float, float] | None] = []
        self.acum: list[float] = [0.0]
        if calendario.continuo:
            return
        dia = primero
        while dia <= ultimo:
            ventana = None
            if calendario.es_dia_habil(dia):
                abre = datetime.combine(dia, calendario.desde, tzinfo=calendario.zona).timestamp()
                cierra = datetime.combine(dia, calendario.hasta,
                                          tzinfo=calendario.zona).timestamp()
                ventana = (abre, cierra) if cierra > abre else None
            self.ventanas.append(ventana)
            self.acum.append(self.acum[-1] + (ventana[1] - ventana[0] if ventana else 0.0))
            dia += timedelta(days=1)

    def _w(self, momento: datetime) -> float | None:
        k = (momento.astimezone(self.cal.zona).date() - self.base).days
        if not 0 <= k < len(self.ventanas):
            return None
        total = self.acum[k]
        ventana = self.ventanas[k]
        if ventana is not None:
            total += min(max(momento.timestamp() - ventana[0], 0.0), ventana[1] - ventana[0])
        return total

    def segundos(self, a: datetime, b: datetime) -> float:
        if b <= a:
            return 0.0
        if self.cal.continuo:
            return (b - a).total_seconds()
        wa, wb = self._w(a), self._w(b)
        if wa is None or wb is None:
            return self.cal.transcurrido(a, b).total_seconds()
        return wb - wa


def _tramos(eventos: list[dict]) -> tuple[datetime | None, datetime | None,
                                          list[tuple[datetime, datetime]]]:
    """(start, stop, runs) of a stopped clock, replayed like ``protocolos.reloj`` does
    (stable sort by instant; redundant or out-of-order events ignored)."""
    evs = sorted(((datetime.fromisoformat(e["momento"]), e["tipo"]) for e in eventos),
                 key=lambda x: x[0])
    inicio = abierto = None
    tramos = []
    for momento, tipo in evs:
        if inicio is None:
            if tipo == "inicio":
                inicio = abierto = momento
        elif tipo == "pausa" and abierto is not None:
            tramos.append((abierto, momento))
            abierto = None
        elif tipo == "reanudacion" and abierto is None:
            abierto = momento
        elif tipo == "fin":
            if abierto is not None:
                tramos.append((abierto, momento))
            return inicio, momento, tramos
    return inicio, None, tramos


# ---- the figures -------------------------------------------------------------------------

def _fin_resolucion(campo: str = "terminado_en") -> Subquery:
    return Subquery(RelojSLA.objects.filter(ambito=AMBITO, objeto_id=OuterRef("pk"),
                                            medida=Medida.RESOLUCION).values(campo)[:1])


def _cond_sla(prefijo: str, corte: datetime) -> tuple[Q, Q]:
    """(met, breached) by the cut-off, on a clock's columns (see the module docstring):
    met = stopped by the cut-off as ``cumplido``; breached = deadline reached by the cut-off
    and the clock is not a met one nor a paused one (a paused clock never reached its deadline;
    its stored deadline is only a projection)."""
    p = prefijo
    cumplido = Q(**{f"{p}terminado_en__lt": corte, f"{p}estado": "cumplido"})
    incumplido = (Q(**{f"{p}vence__lt": corte})
                  & ~Q(**{f"{p}estado__in": ("cumplido", "pausado")}))
    return cumplido, incumplido


def figuras_gestion(*, usuario, desde: date, hasta: date,
                    entidad_id: int | None = None) -> FigurasGestion:
    inicio, fin, corte = limites(desde, hasta)
    fig = FigurasGestion(desde=desde, hasta=hasta, entidad_id=entidad_id, corte=corte,
                         generado_en=timezone.now())
    visibles: QuerySet[Incidente] = incidentes_visibles(usuario)
    if entidad_id is not None:
        visibles = visibles.filter(entidad_id=entidad_id)

    base = visibles.annotate(fin_res=_fin_resolucion(),
                             estado_res=_fin_resolucion("estado"),
                             vence_res=_fin_resolucion("vence"))
    recibido = Q(creado__gte=inicio, creado__lt=fin)
    vulnerabilidad = Q(origen=Origen.CGII_VULNERABILIDAD)
    detenido = Q(fin_res__lt=corte)
    descartado = recibido & detenido & Q(estado__in=ESTADOS_DESCARTE)
    resuelto = Q(fin_res__gte=inicio, fin_res__lt=corte, estado__in=ESTADOS_RESUELTO)
    abierto = Q(creado__lt=corte) & (Q(fin_res__isnull=True) | Q(fin_res__gte=corte))
    cohorte = recibido & (Q(estado__in=ESTADOS_NO_DESCARTE) | ~detenido
                          | Q(fin_res__isnull=True))
    res_cumplido = Q(fin_res__lt=corte, estado_res="cumplido")
    res_incumplido = Q(vence_res__lt=corte) & ~Q(estado_res__in=("cumplido", "pausado"))
    universo = base.filter(creado__lt=fin).filter(
        recibido | Q(fin_res__isnull=True) | Q(fin_res__gte=inicio))

    conteos = {
        "recibidos": Count("pk", filter=recibido),
        "vulnerabilidades": Count("pk", filter=recibido & vulnerabilidad),
        "descartados": Count("pk", filter=descartado),
        "rechazados": Count("pk", filter=descartado & Q(estado=Estado.RECHAZADO)),
        "resueltos": Count("pk", filter=resuelto),
        "resueltos_vuln": Count("pk", filter=resuelto & vulnerabilidad),
        "abiertos": Count("pk", filter=abierto),
        "abiertos_vuln": Count("pk", filter=abierto & vulnerabilidad),
        "sla_total": Count("pk", filter=cohorte),
        "sla_cumplidos": Count("pk", filter=cohorte & res_cumplido),
        "sla_incumplidos": Count("pk", filter=cohorte & res_incumplido),
    }
    for i, (a, b) in enumerate(TRAMOS_ANTIGUEDAD):
        q = abierto & Q(creado__lte=corte - timedelta(days=a))
        if b is not None:
            q &= Q(creado__gt=corte - timedelta(days=b))
        conteos[f"tramo{i}"] = Count("pk", filter=q)

    # 1 query: every count by (type, priority, entity); the four breakdowns roll it up.
    filas = (universo.order_by()
             .values("tipo__codigo", "tipo__nombre", "tipo__clase__nombre", "prioridad",
                     "entidad_id", "entidad__sigla", "entidad__nombre", "entidad__nivel")
             .annotate(**conteos))
    grupos: dict[str, dict[str, FilaGrupo]] = {"cat": {}, "pri": {}, "niv": {}, "ent": {}}
    tramos = [0] * len(TRAMOS_ANTIGUEDAD)
    niveles = dict(NivelEntidad.choices)
    for f in filas:
        claves = {
            "cat": (f["tipo__codigo"] or SIN_CLASIFICAR,
                    f["tipo__nombre"] or _("Sin clasificar"), f["tipo__clase__nombre"] or ""),
            "pri": (f["prioridad"], f["prioridad"], ""),
            "niv": (f["entidad__nivel"], str(niveles.get(f["entidad__nivel"],
                                                         f["entidad__nivel"])), ""),
            "ent": (str(f["entidad_id"]), f["entidad__sigla"], f["entidad__nombre"]),
        }
        for g, (clave, etiqueta, detalle) in claves.items():
            fila = grupos[g].get(clave)
            if fila is None:
                fila = grupos[g][clave] = FilaGrupo(clave=clave, etiqueta=etiqueta,
                                                    detalle=detalle)
            fila.recibidos += f["recibidos"]
            fila.vulnerabilidades += f["vulnerabilidades"]
            fila.descartados += f["descartados"]
            fila.resueltos += f["resueltos"]
            fila.abiertos += f["abiertos"]
            fila.sla_resolucion.sumar(f["sla_total"], f["sla_cumplidos"], f["sla_incumplidos"])
        fig.recibidos += f["recibidos"]
        fig.recibidos_vulnerabilidades += f["vulnerabilidades"]
        fig.descartados += f["descartados"]
        fig.rechazados += f["rechazados"]
        fig.resueltos += f["resueltos"]
        fig.resueltos_vulnerabilidades += f["resueltos_vuln"]
        fig.abiertos += f["abiertos"]
        fig.abiertos_vulnerabilidades += f["abiertos_vuln"]
        for i in range(len(tramos)):
            tramos[i] += f[f"tramo{i}"]
    fig.recibidos_incidentes = fig.recibidos - fig.recibidos_vulnerabilidades
    fig.duplicados = fig.descartados - fig.rechazados
    fig.backlog = [(etiqueta_tramo(t), n) for t, n in zip(TRAMOS_ANTIGUEDAD, tramos,
                                                           strict=True)]

    def ordenar(filas: dict[str, FilaGrupo], por=None) -> list[FilaGrupo]:
        activas = [x for x in filas.values() if x.recibidos or x.resueltos or x.abiertos]
        return sorted(activas, key=por or (lambda x: (-x.recibidos, x.etiqueta)))

    fig.categorias = ordenar(grupos["cat"], lambda x: (x.clave == SIN_CLASIFICAR, -x.recibidos,
                                                        x.etiqueta))
    fig.por_categoria = [(x.etiqueta, x.recibidos) for x in fig.categorias if x.recibidos]
    fig.prioridades = ordenar(grupos["pri"], lambda x: x.clave)
    orden_niveles = list(niveles)
    fig.niveles = ordenar(grupos["niv"], lambda x: orden_niveles.index(x.clave)
                          if x.clave in orden_niveles else 99)
    fig.entidades = ordenar(grupos["ent"])

    # 1 query: months (received by creation month, resolved by stop month).
    tz = zona()
    meses: dict[date, Mes] = {}
    mes = date(desde.year, desde.month, 1)
    while mes <= hasta:
        meses[mes] = Mes(mes=mes)
        mes = date(mes.year + (mes.month == 12), mes.month % 12 + 1, 1)
    por_mes = (universo.order_by()
               .annotate(mes_rec=TruncMonth("creado", tzinfo=tz),
                         mes_res=TruncMonth("fin_res", tzinfo=tz))
               .values("mes_rec", "mes_res")
               .annotate(recibidos=conteos["recibidos"], resueltos=conteos["resueltos"],
                         sla_total=conteos["sla_total"],
                         sla_cumplidos=conteos["sla_cumplidos"],
                         sla_incumplidos=conteos["sla_incumplidos"]))
    for f in por_mes:
        if f["recibidos"] or f["sla_total"]:
            m = meses.get(_primero_de_mes(f["mes_rec"], tz))
            if m is not None:
                m.recibidos += f["recibidos"]
                m.sla_resolucion.sumar(f["sla_total"], f["sla_cumplidos"], f["sla_incumplidos"])
        if f["resueltos"]:
            m = meses.get(_primero_de_mes(f["mes_res"], tz))
            if m is not None:
                m.resueltos += f["resueltos"]
    fig.meses = list(meses.values())

    # 1 query: the cohort's clocks by measure, policy priority and entity.
    ids_cohorte = base.filter(cohorte).values("pk")
    relojes = RelojSLA.objects.filter(ambito=AMBITO, objeto_id__in=ids_cohorte)
    cumplido, incumplido = _cond_sla("", corte)
    fig.sla = {m: CumplimientoSLA() for m in MEDIDAS}
    fig.sla_por_prioridad = {p: {m: CumplimientoSLA() for m in MEDIDAS} for p in PRIORIDADES}
    for f in (relojes.order_by().values("medida", "politica__prioridad")
              .annotate(total=Count("pk"), cumplidos=Count("pk", filter=cumplido),
                        incumplidos=Count("pk", filter=incumplido))):
        args = (f["total"], f["cumplidos"], f["incumplidos"])
        fig.sla.setdefault(f["medida"], CumplimientoSLA()).sumar(*args)
        (fig.sla_por_prioridad.setdefault(f["politica__prioridad"], {})
         .setdefault(f["medida"], CumplimientoSLA()).sumar(*args))
    fig.incumplimientos_total = sum(c.incumplidos for c in fig.sla.values())

    # 1 query: the breach list (the first LIMITE_INCUMPLIMIENTOS by due instant).
    politicas = {p.pk: p for p in PoliticaSLA.objects.select_related("calendario")}
    cruce = CruceSLA.objects.filter(reloj=OuterRef("pk"), tipo=TipoCruce.INCUMPLIMIENTO) \
        .order_by("umbral")
    incidente = Incidente.objects.filter(pk=OuterRef("objeto_id"))
    for r in (relojes.filter(incumplido).order_by("vence", "objeto_id", "medida")
              .annotate(codigo=Subquery(incidente.values("codigo")[:1]),
                        sigla=Subquery(incidente.values("entidad__sigla")[:1]),
                        detectado=Subquery(cruce.values("detectado_en")[:1]),
                        motivo_cruce=Subquery(cruce.values("motivo")[:1]))
              .values("codigo", "sigla", "medida", "politica_id", "objetivo_min", "vence",
                      "terminado_en", "detectado", "motivo_cruce")[:LIMITE_INCUMPLIMIENTOS]):
        detenido_en = r["terminado_en"] if r["terminado_en"] and r["terminado_en"] < corte \
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

    # 1 query: mean times over the cohort's clocks stopped by the cut-off (events → runs).
    fig.tiempos = _tiempos(relojes.filter(terminado_en__lt=corte), politicas, desde, corte)
    return fig


def _primero_de_mes(valor, tz) -> date | None:
    if valor is None:
        return None
    if isinstance(valor, datetime):
        valor = valor.astimezone(tz) if timezone.is_aware(valor) else valor
        return date(valor.year, valor.month, 1)
    return date(valor.year, valor.month, 1)


def _motivo(medida: str, objetivo_min: int, politica: PoliticaSLA | None,
            detenido_en: datetime | None) -> str:
    horas = f"{objetivo_min / 60:g}"
    calendario = politica.calendario.nombre if politica else ""
    texto = _("%(medida)s fuera del objetivo de %(h)s h (%(cal)s)") % {
        "medida": Medida(medida).label, "h": horas, "cal": calendario}
    if detenido_en is None:
        return texto + "; " + _("sin atender al corte")
    return texto + "; " + _("atendido el %(f)s") % {
        "f": timezone.localtime(detenido_en).strftime("%d/%m/%Y %H:%M")}


def _tiempos(relojes: QuerySet[RelojSLA], politicas: dict[int, PoliticaSLA], desde: date,
             corte: datetime) -> dict[str, Tiempo]:
    calendarios: dict[int, _Acumulado] = {}
    primero = desde - timedelta(days=1)
    ultimo = timezone.localtime(corte).date() + timedelta(days=1)

    def acumulado(politica_id: int) -> _Acumulado:
        acc = calendarios.get(politica_id)
        if acc is None:
            cal = protocolos.calendario_de(politicas[politica_id])
            # Policies sharing a calendar share its table.
            acc = next((a for a in calendarios.values() if a.cal is cal), None) \
                or _Acumulado(cal, primero, ultimo)
            calendarios[politica_id] = acc
        return acc

    sumas: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for medida, politica_id, eventos in (relojes.order_by()
                                         .values_list("medida", "politica_id", "eventos")
                                         .iterator(chunk_size=5000)):
        inicio, parada, tramos = _tramos(eventos)
        if inicio is None or parada is None:
            continue
        acc = acumulado(politica_id)
        s = sumas[medida]
        s[0] += 1
        s[1] += (parada - inicio).total_seconds()
        s[2] += sum(acc.segundos(a, b) for a, b in tramos)
    salida = {}
    for medida in MEDIDAS:
        n, pared, laboral = sumas.get(medida, (0, 0.0, 0.0))
        salida[medida] = Tiempo(medida=medida, n=n,
                                pared_horas=round(pared / n / 3600, 2) if n else None,
                                laboral_horas=round(laboral / n / 3600, 2) if n else None)
    return salida


__all__ = ["CumplimientoSLA", "FigurasGestion", "FilaGrupo", "Incumplimiento", "Mes", "Tiempo",
           "figuras_gestion", "limites"]
