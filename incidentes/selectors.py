"""Every read of incidents, scoped to what the acting user may see (DESIGN.md §3.4)."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_date

from cgii.entidades.selectors import es_personal_cgii, filtrar_por_entidad
from cgii.errores import NoEncontrado

from . import states
from .models import EntradaTimeline, Evidencia, Incidente, Tarea
from .permisos import roles_del_usuario, roles_permitidos
from .states import Estado


def incidentes_visibles(usuario) -> QuerySet[Incidente]:
    return filtrar_por_entidad(Incidente.objects.all(), usuario)


def incidente_obtener(*, usuario, incidente_id: int | None = None, codigo: str | None = None,
                      para_actualizar: bool = False) -> Incidente:
    """The incident if ``usuario`` may see it; otherwise 404 (never 403: no existence leak)."""
    qs = incidentes_visibles(usuario)
    if para_actualizar:
        qs = qs.select_for_update(of=("self",))
    else:
        qs = qs.select_related("entidad", "tipo", "analista", "reportante", "protocolo")
    filtro = {"pk": incidente_id} if incidente_id is not None else {"codigo": codigo}
    try:
        return qs.get(**filtro)
    except (Incidente.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


@dataclass(frozen=True)
class Filtros:
    estado: list[str] | None = None
    prioridad: list[str] | None = None
    tipo: str | None = None
    clase: str | None = None
    entidad: int | None = None
    analista: int | None = None
    sin_asignar: bool = False
    mios: bool = False
    estado_sla: str | None = None
    abiertos: bool = False
    desde: str | None = None
    hasta: str | None = None
    texto: str | None = None
    orden: str = "urgencia"


ORDENES = {
    # SLA urgency: running clocks by nearest deadline, then the rest by newest.
    "urgencia": (F("vence_sla").asc(nulls_last=True), "-creado", "-id"),
    "recientes": ("-creado", "-id"),
    "antiguos": ("creado", "id"),
    "prioridad": ("prioridad", F("vence_sla").asc(nulls_last=True), "-id"),
}


def incidentes_lista(*, usuario, filtros: Filtros | None = None) -> QuerySet[Incidente]:
    f = filtros or Filtros()
    qs = incidentes_visibles(usuario).select_related("entidad", "tipo", "tipo__clase", "analista")
    if f.estado:
        qs = qs.filter(estado__in=f.estado)
    if f.abiertos:
        qs = qs.filter(estado__in=states.ESTADOS_ABIERTOS)
    if f.prioridad:
        qs = qs.filter(prioridad__in=f.prioridad)
    if f.tipo:
        qs = qs.filter(tipo__codigo=f.tipo)
    if f.clase:
        qs = qs.filter(tipo__clase__codigo=f.clase)
    if f.entidad:
        qs = qs.filter(entidad_id=f.entidad)
    if f.analista:
        qs = qs.filter(analista_id=f.analista)
    if f.sin_asignar:
        qs = qs.filter(analista__isnull=True)
    if f.mios:
        qs = qs.filter(analista_id=usuario.pk)
    if f.estado_sla:
        qs = qs.filter(estado_sla=f.estado_sla)
    if f.desde and (d := parse_date(f.desde)):
        qs = qs.filter(creado__date__gte=d)
    if f.hasta and (d := parse_date(f.hasta)):
        qs = qs.filter(creado__date__lte=d)
    if f.texto:
        qs = qs.filter(Q(codigo__iexact=f.texto.strip()) | Q(titulo__icontains=f.texto))
    return qs.order_by(*ORDENES.get(f.orden, ORDENES["urgencia"]))


def timeline_de(*, usuario, incidente: Incidente) -> QuerySet[EntradaTimeline]:
    qs = incidente.timeline.select_related("actor")
    if not es_personal_cgii(usuario):
        qs = qs.filter(visible_entidad=True)
    return qs.order_by("id")


def evidencias_de(*, usuario, incidente: Incidente) -> QuerySet[Evidencia]:
    qs = incidente.evidencias.select_related("subido_por")
    if not es_personal_cgii(usuario):
        qs = qs.filter(visible_entidad=True)
    return qs


def evidencia_obtener(*, usuario, incidente_id: int, evidencia_id: int) -> Evidencia:
    incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id)
    try:
        return evidencias_de(usuario=usuario, incidente=incidente).get(pk=evidencia_id)
    except (Evidencia.DoesNotExist, ValueError):
        raise NoEncontrado() from None


def tareas_de(incidente: Incidente) -> list[Tarea]:
    return list(incidente.tareas.select_related("asignado").order_by("orden", "id"))


def incidente_detalle(*, usuario, incidente_id: int) -> Incidente:
    """One incident with everything its detail view needs, in a fixed number of queries."""
    incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id)
    incidente._tareas_cache = tareas_de(incidente)
    return incidente


@dataclass(frozen=True)
class OpcionTransicion:
    nombre: str
    etiqueta: str
    destino: str
    disponible: bool
    motivos: tuple[str, ...]


def transiciones_para(*, usuario, incidente: Incidente) -> list[OpcionTransicion]:
    """Transitions the user's role allows from the current state, each with whether its
    conditions hold now and, if not, why (the UI shows only the available ones as buttons)."""
    roles = roles_del_usuario(incidente, usuario)
    opciones = []
    for trans in Incidente._meta.get_field("estado").get_all_transitions(Incidente):
        if trans.source != incidente.estado or trans.name == "autocerrar":
            continue
        if not roles & set(roles_permitidos(incidente, trans.name)):
            continue
        motivos = tuple(str(getattr(c, "motivo", c.__name__))
                        for c in trans.conditions if not c(incidente))
        destino = trans.target if isinstance(trans.target, str) else ""
        opciones.append(OpcionTransicion(
            nombre=trans.name, etiqueta=str(states.Transicion(trans.name).label),
            destino=destino, disponible=not motivos, motivos=motivos,
        ))
    return opciones


__all__ = [
    "Estado", "Filtros", "OpcionTransicion", "incidente_detalle", "incidente_obtener",
    "incidentes_lista", "incidentes_visibles", "timeline_de", "transiciones_para",
]
