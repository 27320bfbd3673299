"""«Mis tareas» and the detail page's own-task actions (issue 18): thin views over
services/tareas.py and selectores_tareas.py."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.errores import ErrorValidacion

from .. import selectores_tareas
from ..models import EstadoTarea
from ..services import tareas as servicio
from ..services.comun import ROLES_GESTION


def _fecha(valor: str) -> datetime | None:
    """A datetime-local field (La Paz time) or nothing."""
    valor = (valor or "").strip()
    if not valor:
        return None
    try:
        momento = datetime.fromisoformat(valor)
    except ValueError:
        raise ErrorValidacion(extra={"vence_en": [_("Fecha no válida.")]}) from None
    return timezone.make_aware(momento) if timezone.is_naive(momento) else momento


def _entero(valor: str) -> int | None:
    valor = (valor or "").strip()
    return int(valor) if valor else None   # ValueError → «Datos no válidos.»


def accion_tarea_nueva(request, pk):
    p = request.POST
    tarea = servicio.tarea_crear(
        actor=request.user, incidente_id=pk, titulo=p.get("titulo", ""),
        descripcion=p.get("descripcion", ""), asignado_id=_entero(p.get("asignado_id", "")),
        vence_en=_fecha(p.get("vence_en", "")), compartida=p.get("compartida") == "1")
    return _("Tarea «%(t)s» agregada.") % {"t": tarea.titulo}


def accion_tarea_propia(request, pk):
    p = request.POST
    tarea = servicio.tarea_propia_actualizar(
        actor=request.user, incidente_id=pk, tarea_id=_entero(p.get("tarea_id", "")),
        estado=p.get("estado") or None, nota=p["nota"] if "nota" in p else None)
    return _("Tarea «%(t)s»: %(e)s.") % {"t": tarea.titulo, "e": tarea.get_estado_display()}


ACCIONES = {"tarea_nueva": accion_tarea_nueva, "tarea_propia": accion_tarea_propia}


@login_required
@require_GET
def mis_tareas(request):
    todas = request.GET.get("todas") == "1"
    tareas = list(selectores_tareas.mis_tareas(usuario=request.user, abiertas=not todas)
                  [:selectores_tareas.LIMITE_MIS_TAREAS])
    ahora = timezone.now()
    for t in tareas:
        t.vencida = bool(t.vence_en and t.vence_en < ahora
                         and t.estado in selectores_tareas.ABIERTAS)
        t.puede_cambiar = t.propia and (tiene_rol_cgii(request.user, *ROLES_GESTION)
                                        or t.asignado_id == request.user.pk)
    return render(request, "incidentes/mis_tareas.html", {
        "tareas": tareas, "todas": todas, "personal": es_personal_cgii(request.user),
        "limite": selectores_tareas.LIMITE_MIS_TAREAS, "estados_tarea": EstadoTarea.choices,
        "volver": request.get_full_path()})


def contexto(usuario, incidente) -> dict:
    """The detail page's own-task panel: the tasks the user may see and, for staff who
    manage, who a new task may go to (the service re-checks it on write)."""
    from cgii.entidades.models import Membresia

    from .detalle import personal_asignable

    datos = {"tareas_propias": selectores_tareas.tareas_propias_de(usuario=usuario,
                                                                   incidente=incidente)}
    if tiene_rol_cgii(usuario, *ROLES_GESTION):
        datos["responsables_cgii"] = getattr(incidente, "_asignables_cache", None)
        if datos["responsables_cgii"] is None:
            datos["responsables_cgii"] = personal_asignable()
        datos["responsables_entidad"] = getattr(incidente, "_responsables_cache", None)
        if datos["responsables_entidad"] is None:
            datos["responsables_entidad"] = [
                m.usuario for m in Membresia.objects.filter(
                    entidad_id=incidente.entidad_id, activa=True, usuario__is_active=True)
                .select_related("usuario").order_by("usuario__first_name", "usuario__username")]
    return datos
