"""Every read of incidents, scoped to what the acting user may see (DESIGN.md §3.4)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_date

from cgii import fsm, keyset
from cgii.bd import filas_json
from cgii.entidades.models import Usuario
from cgii.entidades.selectors import es_personal_cgii, filtrar_por_entidad
from cgii.errores import NoEncontrado
from protocolos import selectors as protocolos
from protocolos.models import CalendarioLaboral, PoliticaSLA, RelojSLA

from . import duplicados, states
from .models import EntradaTimeline, Evidencia, Incidente, Tarea
from .permisos import puede_cambiar_tarea, roles_del_usuario, ve_tarea
from .states import Estado


def incidentes_visibles(usuario) -> QuerySet[Incidente]:
    return filtrar_por_entidad(Incidente.objects.all(), usuario)


def incidente_obtener(*, usuario, incidente_id: int | None = None, codigo: str | None = None,
                      para_actualizar: bool = False, anotar: dict | None = None) -> Incidente:
    """The incident if ``usuario`` may see it; otherwise 404 (never 403: no existence leak).
    ``anotar``: annotations read with it (the detail's)."""
    qs = incidentes_visibles(usuario)
    if para_actualizar:
        qs = qs.select_for_update(of=("self",))
    else:
        qs = qs.select_related("entidad", "tipo", "analista", "reportante", "protocolo")
    if anotar:
        qs = qs.annotate(**anotar)
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
    # Issue 18 (saved views): no first response yet; the SLA deadline falls today (La Paz).
    sin_respuesta: bool = False
    vence_hoy: bool = False


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
    if f.sin_respuesta:
        qs = qs.filter(primera_respuesta_en__isnull=True)
    if f.vence_hoy:
        inicio = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        qs = qs.filter(vence_sla__gte=inicio, vence_sla__lt=inicio + timedelta(days=1))
    if f.texto:
        qs = qs.filter(Q(codigo__iexact=f.texto.strip()) | Q(titulo__icontains=f.texto))
    return qs.order_by(*ORDENES.get(f.orden, ORDENES["urgencia"]))


# The same orders as keysets (cgii.keyset): the last key is unique, so a page boundary is
# one point of the order. Indexes: incidentes/migrations/0009_indices_lista.py.
_ID_DESC = keyset.Clave("id", "entero", desc=True)
ORDENES_KEYSET = {
    "urgencia": keyset.Orden("urgencia", (keyset.Clave("vence_sla", nulos=True),
                                          keyset.Clave("creado", desc=True), _ID_DESC)),
    "recientes": keyset.Orden("recientes", (keyset.Clave("creado", desc=True), _ID_DESC)),
    "antiguos": keyset.Orden("antiguos", (keyset.Clave("creado"), keyset.Clave("id", "entero"))),
    "prioridad": keyset.Orden("prioridad", (keyset.Clave("prioridad", "texto"),
                                            keyset.Clave("vence_sla", nulos=True), _ID_DESC)),
}
# Lists count at most this many matches ("más de 10.000" beyond): an exact COUNT(*) over a
# million rows costs more than the page itself.
LIMITE_CUENTA = 10_000


@dataclass
class Pagina:
    filas: list
    siguiente: str | None  # cursor of the next page (None: this is the last one)
    anterior: str | None  # cursor of the previous page (None: first page, or offset mode)
    total: int  # matches, at most LIMITE_CUENTA
    exacto: bool  # False: more than LIMITE_CUENTA match


def orden_keyset(filtros: Filtros | None) -> keyset.Orden:
    return ORDENES_KEYSET.get((filtros or Filtros()).orden, ORDENES_KEYSET["urgencia"])


def cuenta_acotada(qs: QuerySet) -> RawSQL:
    """``SELECT COUNT(*) FROM (… LIMIT LIMITE_CUENTA + 1)``: a scalar subquery PostgreSQL
    and SQLite evaluate once per statement, so the page's rows carry the count."""
    sql, params = qs.order_by().values("pk")[:LIMITE_CUENTA + 1].query.sql_with_params()
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) cuenta_acotada", params)


def incidentes_pagina(*, usuario, filtros: Filtros | None = None, cursor: str | None = None,
                      tamano: int = 50, desplazamiento: int = 0,
                      columnas: tuple[str, ...] | None = None) -> Pagina:
    """One page of ``incidentes_lista`` in ONE query: the keyset page after/before
    ``cursor`` (or the first page, or — the old ``page`` parameter — an OFFSET page), with
    the capped count. ``columnas``: plain dicts of those values (the API's fast path; the
    order's keys are added); otherwise incidents with what the list templates read.
    A cursor this server did not issue for this order raises ``keyset.CursorInvalido``."""
    orden = orden_keyset(filtros)
    marca = keyset.decodificar(orden, cursor) if cursor else None
    qs = incidentes_lista(usuario=usuario, filtros=filtros)
    base = qs.order_by()
    if marca is None and desplazamiento:
        ids = base.order_by(*orden.order_by()).values("pk")[
            desplazamiento:desplazamiento + tamano + 1]
    else:
        ids = keyset.ids_tras(base, orden, marca, tamano + 1)
    filas_qs = base.filter(pk__in=ids).annotate(_total=cuenta_acotada(base))
    if columnas is not None:
        filas_qs = filas_qs.values(*dict.fromkeys((*columnas, *orden.campos, "_total")))
        valor = dict.__getitem__
    else:
        valor = getattr
    filas = orden.ordenar(list(filas_qs), valor)
    hay_mas = len(filas) > tamano
    atras = bool(marca and marca.atras)
    if hay_mas:
        filas = filas[1:] if atras else filas[:tamano]
    if filas:
        total = valor(filas[0], "_total")
    elif marca is None and not desplazamiento:
        total = 0
    else:  # past the end (rows deleted since): the count alone
        total = base.order_by().values("pk")[:LIMITE_CUENTA + 1].count()

    def cursor_de(fila, *, hacia_atras: bool) -> str:
        return keyset.codificar(orden, [valor(fila, c) for c in orden.campos],
                                atras=hacia_atras)

    siguiente = anterior = None
    if filas:
        if hay_mas or atras:
            siguiente = cursor_de(filas[-1], hacia_atras=False)
        if (atras and hay_mas) or (marca is not None and not atras):
            anterior = cursor_de(filas[0], hacia_atras=True)
    return Pagina(filas=filas, siguiente=siguiente, anterior=anterior,
                  total=min(total, LIMITE_CUENTA), exacto=total <= LIMITE_CUENTA)


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
    # The protocol checklist; analysts' own tasks are read by selectores_tareas.
    return list(incidente.tareas.filter(propia=False).select_related("asignado")
                .order_by("orden", "id"))


def paneles_juntos() -> bool:
    """Whether the detail's panels come in the incident's row (PostgreSQL)."""
    return filas_json.disponible()


def incidente_detalle(*, usuario, incidente_id: int, pagina: bool = False) -> Incidente:
    """One incident with everything its detail view needs, in a fixed number of queries.

    Issue 22: whether it has duplicates comes with the row (an EXISTS), so the usual
    incident without any asks nothing more (``duplicados.preparar_detalle``), and so do the
    «posible duplicado» candidates (``duplicados.anotaciones_detalle``). On PostgreSQL the
    checklist, the SLA clocks and the evidence come in the same row as JSON arrays
    (``cgii.bd.filas_json``), one statement instead of four; the embedded SQLite profile
    reads them apart (an incident without protocol has no checklist: steps come only from a
    protocol, and an incident never loses its protocol). ``pagina``: the HTML page's other
    panels too (``incidentes.paneles``)."""
    anotar = {"tiene_duplicados": Exists(Incidente.objects.filter(maestro_id=OuterRef("pk"))),
              **duplicados.anotaciones_detalle()}
    juntos = filas_json.disponible()
    if juntos:
        anotar.update(_paneles(usuario))
        if pagina:  # the page's own panels (incidentes.paneles)
            from . import paneles

            anotar.update(paneles.columnas(usuario))
    incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id, anotar=anotar)
    if juntos and pagina:
        paneles.leer(incidente)
    if not juntos:
        incidente._tareas_cache = tareas_de(incidente) if incidente.protocolo_id else []
        return incidente
    incidente._tareas_cache = filas_json.instancias(Tarea, incidente.panel_tareas,
                                                    {"asignado": Usuario})
    incidente._evidencias_cache = filas_json.instancias(Evidencia, incidente.panel_evidencias,
                                                        {"subido_por": Usuario})
    incidente._relojes_cache = filas_json.instancias(RelojSLA, incidente.panel_relojes,
                                                     {"politica": (PoliticaSLA, {
                                                         "calendario": CalendarioLaboral})})
    return incidente


def _paneles(usuario) -> dict:
    """The detail's lists as columns of the incident's row (same filters and order as
    ``tareas_de``, ``evidencias_de`` and ``sla.figuras_de``)."""
    propio = f"t.incidente_id = {Incidente._meta.db_table}.id"
    visibles = "" if es_personal_cgii(usuario) else " AND t.visible_entidad"
    return {
        "panel_tareas": filas_json.lista(
            Tarea, donde=f"{propio} AND NOT t.propia", orden="orden, id",
            relacionados={"asignado": Usuario}),
        "panel_evidencias": filas_json.lista(
            Evidencia, donde=propio + visibles, orden="id",
            relacionados={"subido_por": Usuario}),
        "panel_relojes": filas_json.lista(
            RelojSLA, donde=f"t.ambito = %s AND t.objeto_id = {Incidente._meta.db_table}.id",
            params=["incidente"], orden="id",
            relacionados={"politica": (PoliticaSLA, {"calendario": CalendarioLaboral})}),
    }


def evidencias_lista(*, usuario, incidente: Incidente) -> list[Evidencia]:
    """``evidencias_de`` as a list, from the detail's row when it came with it."""
    cache = getattr(incidente, "_evidencias_cache", None)
    if cache is not None:
        return cache
    return list(evidencias_de(usuario=usuario, incidente=incidente))


def tareas_visibles(*, usuario, incidente: Incidente) -> list[Tarea]:
    """The checklist ``usuario`` sees (the page and the API both read it here): CGII staff
    the whole of it, an entity user the steps of its own roles. Each task says whether this
    user may change it (``editable``: only the role the step names completes it)."""
    personal = es_personal_cgii(usuario)
    roles = roles_del_usuario(incidente, usuario)
    tareas = getattr(incidente, "_tareas_cache", None)
    if tareas is None:
        tareas = tareas_de(incidente)
    visibles = [t for t in tareas if ve_tarea(t, roles, personal=personal)]
    for t in visibles:
        t.editable = puede_cambiar_tarea(t, roles)
    return visibles


def cierre_automatico_el(resuelto_en, *, dias: int | None = None, calendario=None):
    """The day the auto-close sweep closes an incident resolved at ``resuelto_en`` if the
    entity neither confirms nor objects: N working days later (protocol parameter
    ``autocierre_dias_habiles``). One rule for the sweep and for what the pages show."""
    if resuelto_en is None:
        return None
    if dias is None:
        dias = int(protocolos.parametro("autocierre_dias_habiles", 5))
    calendario = calendario or protocolos.calendario("laboral")
    return calendario.sumar_dias_habiles(timezone.localtime(resuelto_en).date(), dias)


def figuras_gestion(*, usuario, desde, hasta, entidad_id: int | None = None):
    """The incident-management figures of the incidents ``usuario`` may see (the report of
    ``incidentes.reportes``; other apps read them here, e.g. the PISI compliance report)."""
    from .reportes.figuras import figuras_gestion as calcular  # reportes reads this module

    return calcular(usuario=usuario, desde=desde, hasta=hasta, entidad_id=entidad_id)


OpcionTransicion = fsm.Opcion


def transiciones_para(*, usuario, incidente: Incidente) -> list[fsm.Opcion]:
    """Transitions the user may fire from the current state (the permission declared on
    each transition decides), each with whether its conditions hold now and, if not, why."""
    return fsm.opciones(incidente, states.MAQUINA, usuario)


__all__ = [
    "Estado", "Filtros", "OpcionTransicion", "incidente_detalle", "incidente_obtener",
    "incidentes_lista", "incidentes_pagina", "incidentes_visibles", "tareas_visibles", "timeline_de",
    "transiciones_para",
]
