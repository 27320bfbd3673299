"""Small incident figures for the dashboards, scoped by ``incidentes_visibles`` (a constant
number of queries: 6, plus 1 for entity users' list of open incidents)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.entidades.selectors import es_personal_cgii
from protocolos.models import CruceSLA, TipoCruce

from ..selectors import incidentes_visibles
from ..states import ESTADOS_ABIERTOS, Estado
from .figuras import AMBITO, PRIORIDADES

# Values of Incidente.estado_sla (incidentes.sla.GRAVEDAD, worst clock first); "" = no clock.
ESTADOS_SLA = ("incumplido", "advertencia", "ok", "pausado", "cumplido", "sin_iniciar")
LIMITE_ABIERTOS = 10
TOP_CATEGORIAS = 5


@dataclass
class AbiertoEntidad:
    id: int
    codigo: str
    titulo: str
    estado: str
    estado_etiqueta: str
    prioridad: str
    estado_sla: str
    vence_sla: datetime | None


@dataclass
class TableroIncidentes:
    ahora: datetime
    reportados_hoy: int = 0
    reportados_semana: int = 0  # since Monday 00:00 La Paz
    abiertos: int = 0
    abiertos_por_estado_sla: dict[str, int] = field(default_factory=dict)
    abiertos_por_prioridad: dict[str, int] = field(default_factory=dict)
    incumplimientos_7_dias: int = 0
    top_categorias_30_dias: list[tuple[str, int]] = field(default_factory=list)
    mis_abiertos: list[AbiertoEntidad] = field(default_factory=list)  # entity users only


def tablero_incidentes(*, usuario, ahora: datetime | None = None) -> TableroIncidentes:
    ahora = ahora or timezone.now()
    local = timezone.localtime(ahora)
    hoy = local.replace(hour=0, minute=0, second=0, microsecond=0)
    semana = hoy - timedelta(days=local.weekday())
    t = TableroIncidentes(ahora=ahora)
    visibles = incidentes_visibles(usuario)

    r = visibles.aggregate(hoy=Count("pk", filter=Q(creado__gte=hoy, creado__lte=ahora)),
                           semana=Count("pk", filter=Q(creado__gte=semana, creado__lte=ahora)))
    t.reportados_hoy, t.reportados_semana = r["hoy"], r["semana"]

    abiertos = visibles.filter(estado__in=ESTADOS_ABIERTOS)
    t.abiertos_por_estado_sla = {e: 0 for e in ESTADOS_SLA}
    for fila in abiertos.order_by().values("estado_sla").annotate(n=Count("pk")):
        clave = fila["estado_sla"] or "sin_iniciar"
        t.abiertos_por_estado_sla[clave] = t.abiertos_por_estado_sla.get(clave, 0) + fila["n"]
    t.abiertos = sum(t.abiertos_por_estado_sla.values())
    t.abiertos_por_prioridad = {p: 0 for p in PRIORIDADES}
    for fila in abiertos.order_by().values("prioridad").annotate(n=Count("pk")):
        t.abiertos_por_prioridad[fila["prioridad"]] = fila["n"]

    t.incumplimientos_7_dias = CruceSLA.objects.filter(
        tipo=TipoCruce.INCUMPLIMIENTO, detectado_en__gt=ahora - timedelta(days=7),
        detectado_en__lte=ahora, reloj__ambito=AMBITO,
        reloj__objeto_id__in=visibles.values("pk")).count()

    t.top_categorias_30_dias = [
        (fila["tipo__nombre"] or _("Sin clasificar"), fila["n"]) for fila in
        visibles.filter(creado__gt=ahora - timedelta(days=30), creado__lte=ahora)
        .exclude(estado__in=(Estado.RECHAZADO, Estado.DUPLICADO))
        .order_by().values("tipo__nombre").annotate(n=Count("pk"))
        .order_by("-n", F("tipo__nombre").asc(nulls_last=True))[:TOP_CATEGORIAS]]

    if not es_personal_cgii(usuario):
        t.mis_abiertos = [
            AbiertoEntidad(id=i.pk, codigo=i.codigo, titulo=i.titulo, estado=i.estado,
                           estado_etiqueta=str(Estado(i.estado).label), prioridad=i.prioridad,
                           estado_sla=i.estado_sla, vence_sla=i.vence_sla)
            for i in abiertos.only("id", "codigo", "titulo", "estado", "prioridad",
                                   "estado_sla", "vence_sla")
            .order_by(F("vence_sla").asc(nulls_last=True), "-creado", "-id")[:LIMITE_ABIERTOS]]
    return t
