"""The plan's implementation work: SoA rows, activities, evidence, documents."""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from cgii.errores import NoEncontrado

from ..models import (
    Actividad,
    Aplicabilidad,
    Evidencia,
    PlanInstitucional,
)
from .planes import obtener_uno, plan_obtener


@dataclass(frozen=True)
class FiltrosSoA:
    dominio: str | None = None
    estado: str | None = None
    aplica: bool | None = None
    pendientes: bool = False
    texto: str | None = None


def soa_de(*, plan: PlanInstitucional, filtros: FiltrosSoA | None = None
           ) -> QuerySet[Aplicabilidad]:
    """SoA rows in catalog order with control, domain, objective and the number of linked
    activities and evidence (constant queries whatever the number of rows)."""
    f = filtros or FiltrosSoA()
    qs = (plan.soa.select_related("control", "control__dominio", "control__objetivo")
          .annotate(n_evidencias=Count("evidencias", distinct=True),
                    n_actividades=Count("actividades", distinct=True)))
    if f.dominio:
        qs = qs.filter(control__dominio__numero=f.dominio)
    if f.estado:
        qs = qs.filter(estado_implementacion=f.estado)
    if f.aplica is not None:
        qs = qs.filter(aplica=f.aplica)
    if f.pendientes:
        qs = qs.filter(Q(aplica__isnull=True) | Q(justificacion=""))
    if f.texto:
        qs = qs.filter(Q(control__numero__startswith=f.texto.strip())
                       | Q(control__titulo__icontains=f.texto))
    return qs.order_by("control__orden")


def soa_fila_obtener(*, plan: PlanInstitucional, fila_id: int | None = None,
                     control: str | None = None, para_actualizar: bool = False
                     ) -> Aplicabilidad:
    qs = plan.soa.select_related("control")
    if para_actualizar:
        qs = qs.select_for_update(of=("self",))
    filtro = {"pk": fila_id} if fila_id is not None else {"control__numero": control}
    return obtener_uno(qs, **filtro)


def soa_resumen(*, plan: PlanInstitucional) -> dict:
    """Counts for the SoA header and the PDF: totals and per domain/theme."""
    filas = (plan.soa.values("control__dominio__numero", "control__dominio__titulo",
                             "control__dominio__orden")
             .annotate(total=Count("id"), aplican=Count("id", filter=Q(aplica=True)),
                       no_aplican=Count("id", filter=Q(aplica=False)),
                       pendientes=Count("id", filter=Q(aplica__isnull=True)),
                       sin_justificacion=Count("id", filter=Q(aplica__isnull=False,
                                                              justificacion="")),
                       implementados=Count("id", filter=Q(aplica=True,
                                                          estado_implementacion="implementado")),
                       en_proceso=Count("id", filter=Q(aplica=True,
                                                       estado_implementacion="en_proceso")),
                       madurez=Sum("madurez", filter=Q(aplica=True)))
             .order_by("control__dominio__orden"))
    dominios = []
    claves = ("total", "aplican", "no_aplican", "pendientes", "sin_justificacion",
              "implementados", "en_proceso")
    total = dict.fromkeys(claves, 0)
    madurez_total = 0
    for f in filas:
        fila = {"numero": f["control__dominio__numero"], "titulo": f["control__dominio__titulo"],
                **{k: f[k] for k in claves},
                "madurez_promedio": round((f["madurez"] or 0) / f["aplican"], 2)
                if f["aplican"] else None}
        dominios.append(fila)
        for k in claves:
            total[k] += f[k]
        madurez_total += f["madurez"] or 0
    total["madurez_promedio"] = (round(madurez_total / total["aplican"], 2)
                                 if total["aplican"] else None)
    total["avance_implementacion"] = (round(100 * total["implementados"] / total["aplican"], 1)
                                      if total["aplican"] else 0.0)
    return {"total": total, "dominios": dominios}


# ---- schedule and evidence ----------------------------------------------------------------

def actividades_de(*, plan: PlanInstitucional, hoy: date | None = None,
                   atrasadas: bool | None = None) -> QuerySet[Actividad]:
    """Activities with ``atrasada`` computed: planned end passed and not finished."""
    hoy = hoy or timezone.localdate()
    qs = (plan.actividades.annotate(atrasada=Case(
        When(Q(fin_planificado__lt=hoy) & Q(avance__lt=100) & Q(fin_real__isnull=True),
             then=Value(True)), default=Value(False), output_field=BooleanField()))
        .prefetch_related(Prefetch("controles",
                                   queryset=Aplicabilidad.objects.select_related("control"))))
    if atrasadas is not None:
        qs = qs.filter(atrasada=atrasadas)
    return qs.order_by("inicio_planificado", "id")


def actividad_obtener(*, plan: PlanInstitucional, actividad_id: int,
                      para_actualizar: bool = False) -> Actividad:
    qs = plan.actividades.all()
    if para_actualizar:
        qs = qs.select_for_update()
    return obtener_uno(qs, pk=actividad_id)


def evidencias_de(*, plan: PlanInstitucional, estado: str | None = None,
                  control: str | None = None, actividad_id: int | None = None
                  ) -> QuerySet[Evidencia]:
    qs = plan.evidencias.select_related("aplicabilidad__control", "actividad", "subido_por",
                                        "revisado_por")
    if estado:
        qs = qs.filter(estado=estado)
    if control:
        qs = qs.filter(aplicabilidad__control__numero=control)
    if actividad_id:
        qs = qs.filter(actividad_id=actividad_id)
    return qs.order_by("-creado", "-id")


def evidencia_obtener(*, usuario, plan_id: int, evidencia_id: int) -> Evidencia:
    plan = plan_obtener(usuario=usuario, plan_id=plan_id)
    return obtener_uno(plan.evidencias.all(), pk=evidencia_id)


def documento_plan(*, usuario, plan_id: int, tipo: str) -> dict:
    """Stored policy or resolution document of a visible plan: {ruta, nombre, tipo_mime}."""
    plan = plan_obtener(usuario=usuario, plan_id=plan_id)
    if tipo not in ("politica", "resolucion") or not getattr(plan, f"{tipo}_ruta"):
        raise NoEncontrado()
    return {"ruta": getattr(plan, f"{tipo}_ruta"), "nombre": getattr(plan, f"{tipo}_nombre"),
            "tipo_mime": getattr(plan, f"{tipo}_tipo_mime")}


# ---- follow-up ----------------------------------------------------------------------------

