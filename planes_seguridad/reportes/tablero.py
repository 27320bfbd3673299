"""Small PISI figures for the dashboards (constant number of queries)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from cgii.entidades.selectors import ids_entidades_de

from .. import selectors
from ..models import Actividad, Hallazgo, PeriodoSeguimiento, SnapshotControl
from ..states import ESTADOS_FINALES, ESTADOS_IMPLEMENTACION, EstadoPeriodo
from .nacional import figuras_nacional


@dataclass
class AvanceNacional:
    gestion: int
    por_estado: list[tuple[str, str, int]]  # (estado, etiqueta, entities whose newest plan)
    sin_plan: int
    centrales: int
    centrales_aprobados: int
    porcentaje_aprobados: float | None
    meta: int
    promedio_cumplimiento: float | None
    con_puntaje: int


def avance_pisi_nacional(*, usuario, gestion: int) -> AvanceNacional:
    """Counts by plan state for the gestión, % of central entities with an approved PISI and
    the average implementation % (same definitions as the national report; staff only)."""
    f = figuras_nacional(usuario=usuario, gestion=gestion)
    return AvanceNacional(
        gestion=gestion, por_estado=f.por_estado, sin_plan=f.sin_plan, centrales=f.centrales,
        centrales_aprobados=f.centrales_aprobados, porcentaje_aprobados=f.porcentaje_aprobados,
        meta=f.meta, promedio_cumplimiento=f.promedio_cumplimiento, con_puntaje=f.con_puntaje)


@dataclass
class EstadoPlan:
    plan_id: int
    sigla: str
    gestion: int
    version: int
    estado: str
    estado_etiqueta: str
    en_vigencia: bool
    cumplimiento: float | None = None  # latest closed period
    periodo: str = ""
    plazos: list = field(default_factory=list)  # selectors.FiguraPlazo, open ones
    actividades_atrasadas: int = 0
    hallazgos_abiertos: int = 0


def estado_plan_entidad(*, usuario) -> list[EstadoPlan]:
    """For an entity user: per entity, its plan(s) in force (or, when none is, its newest
    plan still in progress) with state, latest implementation %, open deadlines, overdue
    activities and open findings."""
    ids = ids_entidades_de(usuario)
    if not ids:
        return []
    hoy = timezone.localdate()
    planes = list(selectors.planes_visibles(usuario).filter(entidad_id__in=ids)
                  .exclude(estado__in=ESTADOS_FINALES).select_related("entidad")
                  .order_by("entidad__sigla", "-gestion", "-version"))
    elegidos, vistos = [], set()
    for p in planes:
        if p.estado in ESTADOS_IMPLEMENTACION:
            elegidos.append(p)
            vistos.add(p.entidad_id)
    for p in planes:
        if p.entidad_id not in vistos:
            elegidos.append(p)
            vistos.add(p.entidad_id)
    plan_ids = [p.pk for p in elegidos]
    ultimo = {}
    for per in (PeriodoSeguimiento.objects.filter(plan_id__in=plan_ids,
                                                  estado=EstadoPeriodo.CERRADO)
                .order_by("fecha_corte", "cerrado_en", "id").values("id", "plan_id", "nombre")):
        ultimo[per["plan_id"]] = per
    evaluados = Q(puntaje__isnull=False)
    puntajes = {a["periodo_id"]: a for a in (
        SnapshotControl.objects.filter(periodo_id__in=[p["id"] for p in ultimo.values()])
        .values("periodo_id").annotate(puntos=Sum(F("puntaje") * F("peso"), filter=evaluados),
                                       peso=Sum("peso", filter=evaluados)).order_by())}
    plazos = selectors.plazos_abiertos_por_plan(plan_ids=plan_ids, hoy=hoy)
    atrasadas = dict(Actividad.objects.filter(plan_id__in=plan_ids, fin_planificado__lt=hoy,
                                              avance__lt=100, fin_real__isnull=True)
                     .values("plan_id").annotate(n=Count("id")).values_list("plan_id", "n")
                     .order_by())
    abiertos = dict(Hallazgo.objects.filter(plan_id__in=plan_ids, estado="abierto")
                    .values("plan_id").annotate(n=Count("id")).values_list("plan_id", "n")
                    .order_by())
    salida = []
    for p in elegidos:
        fig = EstadoPlan(plan_id=p.pk, sigla=p.entidad.sigla, gestion=p.gestion,
                         version=p.version, estado=p.estado,
                         estado_etiqueta=str(p.get_estado_display()),
                         en_vigencia=p.estado in ESTADOS_IMPLEMENTACION,
                         plazos=plazos.get(p.pk, []),
                         actividades_atrasadas=atrasadas.get(p.pk, 0),
                         hallazgos_abiertos=abiertos.get(p.pk, 0))
        per = ultimo.get(p.pk)
        if per is not None:
            fig.periodo = per["nombre"]
            a = puntajes.get(per["id"])
            if a is not None:
                fig.cumplimiento = selectors._porcentaje(a["puntos"] or Decimal(0), a["peso"])
        salida.append(fig)
    return salida

