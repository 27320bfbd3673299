"""Follow-up: periods, reviews, findings, snapshots and the trend they freeze."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from ..models import (
    Hallazgo,
    PeriodoSeguimiento,
    PlanInstitucional,
    RevisionControl,
    SnapshotControl,
)
from ..states import EstadoPeriodo
from .planes import obtener_uno


def periodos_de(*, plan: PlanInstitucional) -> QuerySet[PeriodoSeguimiento]:
    return (plan.periodos.annotate(
        n_controles=Count("revisiones", distinct=True),
        n_revisados=Count("revisiones", filter=~Q(revisiones__resultado=""), distinct=True))
        .order_by("fecha_corte", "id"))


def periodo_obtener(*, plan: PlanInstitucional, periodo_id: int,
                    para_actualizar: bool = False) -> PeriodoSeguimiento:
    qs = plan.periodos.select_related("plan")
    if para_actualizar:
        qs = qs.select_for_update(of=("self",))
    return obtener_uno(qs, pk=periodo_id)


def periodo_actual(plan: PlanInstitucional) -> PeriodoSeguimiento | None:
    return plan.periodos.exclude(estado=EstadoPeriodo.CERRADO).first()


def revisiones_de(*, periodo: PeriodoSeguimiento, pendientes: bool = False,
                  dominio: str | None = None) -> QuerySet[RevisionControl]:
    qs = periodo.revisiones.select_related(
        "aplicabilidad", "aplicabilidad__control", "aplicabilidad__control__dominio",
        "reportado_por", "revisado_por")
    if pendientes:
        qs = qs.filter(aplicabilidad__aplica=True, resultado="")
    if dominio:
        qs = qs.filter(aplicabilidad__control__dominio__numero=dominio)
    return qs.order_by("aplicabilidad__control__orden")


@dataclass(frozen=True)
class FiltrosHallazgo:
    estado: str | None = None
    grado: str | None = None
    origen: str | None = None
    periodo: int | None = None


def hallazgos_de(*, plan: PlanInstitucional, filtros: FiltrosHallazgo | None = None,
                 hoy: date | None = None) -> QuerySet[Hallazgo]:
    """Findings with ``atrasado`` computed (open past their commitment date)."""
    f = filtros or FiltrosHallazgo()
    hoy = hoy or timezone.localdate()
    qs = (plan.hallazgos.select_related("aplicabilidad__control", "periodo", "registrado_por")
          .annotate(atrasado=Case(When(Q(estado="abierto") & Q(fecha_compromiso__lt=hoy),
                                       then=Value(True)),
                                  default=Value(False), output_field=BooleanField())))
    if f.estado:
        qs = qs.filter(estado=f.estado)
    if f.grado:
        qs = qs.filter(grado=f.grado)
    if f.origen:
        qs = qs.filter(origen=f.origen)
    if f.periodo:
        qs = qs.filter(periodo_id=f.periodo)
    return qs.order_by("-creado", "-id")


def hallazgo_obtener(*, plan: PlanInstitucional, hallazgo_id: int,
                     para_actualizar: bool = False) -> Hallazgo:
    qs = plan.hallazgos.all()
    if para_actualizar:
        qs = qs.select_for_update()
    return obtener_uno(qs, pk=hallazgo_id)


def snapshot_de(*, periodo: PeriodoSeguimiento) -> QuerySet[SnapshotControl]:
    return periodo.snapshot.order_by("orden")


def _porcentaje(puntos, peso) -> float | None:
    if not peso:
        return None
    return float(round(Decimal(puntos) * 100 / Decimal(peso), 1))


def tendencia(plan: PlanInstitucional) -> list[dict]:
    """Compliance per closed period, computed from the frozen snapshots only (two queries):
    score = Σ(puntaje × peso) / Σ(peso) over controls with a score (N/A excluded)."""
    evaluados = Q(puntaje__isnull=False)
    filas = (SnapshotControl.objects.filter(periodo__plan=plan)
             .values("periodo_id", "periodo__nombre", "periodo__fecha_corte",
                     "periodo__cerrado_en")
             .annotate(puntos=Sum(F("puntaje") * F("peso"), filter=evaluados),
                       peso=Sum("peso", filter=evaluados),
                       evaluados=Count("id", filter=evaluados),
                       cumple=Count("id", filter=Q(resultado="cumple")),
                       parcial=Count("id", filter=Q(resultado="cumple_parcialmente")),
                       no_cumple=Count("id", filter=Q(resultado="no_cumple")),
                       no_aplica=Count("id", filter=Q(resultado="no_aplica")),
                       implementados=Count("id", filter=Q(aplica=True,
                                                          estado_implementacion="implementado")),
                       con_evidencia=Count("id", filter=Q(evidencia_presente=True)),
                       madurez=Sum("madurez", filter=Q(aplica=True)),
                       aplican=Count("id", filter=Q(aplica=True)))
             .order_by("periodo__fecha_corte", "periodo_id"))
    por_dominio: dict[int, dict[str, float | None]] = {}
    for d in (SnapshotControl.objects.filter(periodo__plan=plan, puntaje__isnull=False)
              .values("periodo_id", "dominio_numero")
              .annotate(puntos=Sum(F("puntaje") * F("peso")), peso=Sum("peso"))
              .order_by("periodo_id", "dominio_numero")):
        por_dominio.setdefault(d["periodo_id"], {})[d["dominio_numero"]] = _porcentaje(
            d["puntos"], d["peso"])
    salida = []
    for f in filas:
        salida.append({
            "periodo_id": f["periodo_id"], "nombre": f["periodo__nombre"],
            "fecha_corte": f["periodo__fecha_corte"], "cerrado_en": f["periodo__cerrado_en"],
            "cumplimiento": _porcentaje(f["puntos"] or 0, f["peso"]),
            "evaluados": f["evaluados"], "cumple": f["cumple"], "parcial": f["parcial"],
            "no_cumple": f["no_cumple"], "no_aplica": f["no_aplica"],
            "implementados": f["implementados"], "con_evidencia": f["con_evidencia"],
            "madurez_promedio": round((f["madurez"] or 0) / f["aplican"], 2)
            if f["aplican"] else None,
            "por_dominio": por_dominio.get(f["periodo_id"], {}),
        })
    return salida


# ---- summary for the PDF and public verification -----------------------------------------

