"""Reads of analysts' own tasks and «Mis tareas» (issue 18), tenant-scoped like every read:
an entity user sees only shared tasks of its own entity's incidents."""

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

from cgii.entidades.selectors import es_personal_cgii

from .models import EstadoTarea, Incidente, Tarea
from .selectors import incidentes_visibles

ABIERTAS = (EstadoTarea.PENDIENTE, EstadoTarea.EN_CURSO)
LIMITE_MIS_TAREAS = 200


def tareas_propias_de(*, usuario, incidente: Incidente) -> list[Tarea]:
    """From the detail page's row when it came with it (``incidentes.paneles``)."""
    tareas = getattr(incidente, "_tareas_propias_cache", None)
    if tareas is None:
        qs = incidente.tareas.filter(propia=True).select_related("asignado", "creada_por")
        if not es_personal_cgii(usuario):
            qs = qs.filter(compartida=True)
        tareas = list(qs.order_by("orden", "id"))
    for t in tareas:
        t.abierta = t.estado in ABIERTAS
    return tareas


def mis_tareas(*, usuario, abiertas: bool = True) -> QuerySet[Tarea]:
    """CGII staff: every task assigned to them (protocol steps and own tasks) on incidents
    they may see. Entity users: the shared tasks of their entity's incidents (theirs
    first). Open first, by due date (none last)."""
    visibles = incidentes_visibles(usuario).values("pk")
    qs = Tarea.objects.filter(incidente__in=visibles)
    if es_personal_cgii(usuario):
        qs = qs.filter(asignado=usuario)
    else:
        qs = qs.filter(propia=True, compartida=True)
    if abiertas:
        qs = qs.filter(estado__in=ABIERTAS)
    mia = Case(When(asignado_id=usuario.pk, then=Value(0)), default=Value(1),
               output_field=IntegerField())
    return (qs.select_related("incidente", "incidente__entidad", "asignado")
            .annotate(mia=mia)
            .order_by("mia", F("vence_en").asc(nulls_last=True), "-id"))
