"""A plan's live summary figures, and the public verification of a conformity code. (The
conformity PDF is rendered from what was frozen at conformity: ``congelado``.)"""

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Q,
)
from django.utils import timezone

from ..models import (
    PlanInstitucional,
)
from ..states import Estado
from .planes import plan_obtener
from .plazos import FiguraPlazo, plazos_de
from .seguimiento import tendencia
from .trabajo import actividades_de, soa_resumen


@dataclass
class ResumenPlan:
    plan: PlanInstitucional
    soa: dict
    plazos: list[FiguraPlazo]
    actividades: dict
    hallazgos_abiertos: int
    tendencia: list[dict] = field(default_factory=list)


def resumen_plan(*, usuario, plan_id: int) -> ResumenPlan:
    """The plan's summary figures now (SoA, deadlines, schedule, findings, trend)."""
    plan = plan_obtener(usuario=usuario, plan_id=plan_id)
    hoy = timezone.localdate()
    acts = actividades_de(plan=plan, hoy=hoy).aggregate(
        total=Count("id"), atrasadas=Count("id", filter=Q(atrasada=True)),
        terminadas=Count("id", filter=Q(avance=100)))
    return ResumenPlan(
        plan=plan, soa=soa_resumen(plan=plan), plazos=plazos_de(plan=plan, hoy=hoy),
        actividades=acts,
        hallazgos_abiertos=plan.hallazgos.filter(estado="abierto").count(),
        tendencia=tendencia(plan))


def verificacion_publica(codigo: str) -> dict | None:
    """Public answer for a verification code (no login): only what the MAE's resolution and
    a citizen need to check that the plan got CGII conformity. None when unknown."""
    codigo = (codigo or "").strip().upper()
    if not codigo or len(codigo) > 60:
        return None
    plan = (PlanInstitucional.objects.select_related("entidad", "catalogo")
            .filter(codigo_verificacion=codigo).first())
    if plan is None:
        return None
    # The Aprobación de Documentos evidence (Ciudadanía Digital): the code the resolution
    # cites, when and the hash of the approved summary. The approver's name is not public.
    aprobacion = plan.aprobaciones_documento.filter(estado="aprobada").values(
        "codigo", "aprobado_en", "sha256").first()
    return {
        "aprobacion": aprobacion,
        "codigo": plan.codigo_verificacion,
        "entidad": plan.entidad.nombre,
        "sigla": plan.entidad.sigla,
        "gestion": plan.gestion,
        "version": plan.version,
        "estado": plan.estado,
        "estado_display": plan.get_estado_display(),
        "catalogo": str(plan.catalogo),
        "conforme_en": plan.conforme_en,
        "resolucion_cite": plan.resolucion_cite or None,
        "resolucion_fecha": plan.resolucion_fecha,
        "vigencia_desde": plan.vigencia_desde,
        "vigencia_hasta": plan.vigencia_hasta,
        # No later version of the same plan got conformity, and this one was not replaced.
        "es_version_actual": plan.estado != Estado.REEMPLAZADO and not (
            PlanInstitucional.objects.filter(
                entidad_id=plan.entidad_id, gestion=plan.gestion, version__gt=plan.version,
                codigo_verificacion__isnull=False).exists()),
    }
