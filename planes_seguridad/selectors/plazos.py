"""Deadlines (Plazo) as figures: due date, working days left, state."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from .. import states
from ..models import (
    ParametroPlazo,
    PlanInstitucional,
    Plazo,
)
from ..states import TipoPlazo


def parametros_plazo() -> dict[str, tuple[int, int]]:
    """{tipo: (working days, warn when this many working days are left)}."""
    valores = {t.value: (d, states.DIAS_ADVERTENCIA_POR_DEFECTO)
               for t, d in states.PLAZOS_POR_DEFECTO.items()}
    for p in ParametroPlazo.objects.all():
        valores[p.tipo] = (p.dias_habiles, p.dias_advertencia)
    return valores


@dataclass(frozen=True)
class FiguraPlazo:
    id: int
    tipo: str
    etiqueta: str
    responsable: str
    inicio: date
    vence: date
    dias_habiles: int
    dias_restantes: int          # working days left (negative: working days overdue)
    estado: str                  # en_plazo | advertencia | vencido | cumplido | cumplido_tarde
    cumplido_en: object = None
    advertido_en: object = None
    vencido_en: object = None


def figura_plazo(plazo: Plazo, *, hoy: date, calendario) -> FiguraPlazo:
    if plazo.cumplido_en is not None:
        dia = timezone.localtime(plazo.cumplido_en).date()
        estado = "cumplido" if dia <= plazo.vence else "cumplido_tarde"
        referencia = dia
    else:
        referencia = hoy
        if hoy > plazo.vence:
            estado = "vencido"
        elif hoy >= plazo.advertir_desde:
            estado = "advertencia"
        else:
            estado = "en_plazo"
    if referencia <= plazo.vence:
        restantes = calendario.dias_habiles_entre(referencia, plazo.vence)
    else:
        restantes = -calendario.dias_habiles_entre(plazo.vence, referencia)
    return FiguraPlazo(
        id=plazo.pk, tipo=plazo.tipo, etiqueta=str(TipoPlazo(plazo.tipo).label),
        responsable=plazo.responsable, inicio=plazo.inicio, vence=plazo.vence,
        dias_habiles=plazo.dias_habiles, dias_restantes=restantes, estado=estado,
        cumplido_en=plazo.cumplido_en, advertido_en=plazo.advertido_en,
        vencido_en=plazo.vencido_en)


def plazos_de(*, plan: PlanInstitucional, hoy: date | None = None,
              solo_abiertos: bool = False) -> list[FiguraPlazo]:
    """The plan's deadlines (open first), each with working days left and its state."""
    from protocolos.selectors import calendario

    hoy = hoy or timezone.localdate()
    cal = calendario("laboral")
    qs = plan.plazos.all()
    if solo_abiertos:
        qs = qs.filter(cumplido_en__isnull=True)
    filas = sorted(qs, key=lambda p: (p.cumplido_en is not None, p.inicio, p.pk))
    return [figura_plazo(p, hoy=hoy, calendario=cal) for p in filas]


def plazos_abiertos_por_plan(*, plan_ids, hoy: date | None = None) -> dict[int, list[FiguraPlazo]]:
    """Open deadlines of many plans in one query (list pages), nearest first."""
    from protocolos.selectors import calendario

    ids = list(plan_ids)
    salida: dict[int, list[FiguraPlazo]] = {i: [] for i in ids}
    if not ids:
        return salida
    hoy = hoy or timezone.localdate()
    cal = calendario("laboral")
    for p in Plazo.objects.filter(plan_id__in=ids, cumplido_en__isnull=True).order_by("vence",
                                                                                      "id"):
        salida[p.plan_id].append(figura_plazo(p, hoy=hoy, calendario=cal))
    return salida


# ---- Statement of Applicability ---------------------------------------------------------

