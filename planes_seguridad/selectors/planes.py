"""Catalogs, plans, their history and the transitions a user may fire."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    Min,
    Q,
    QuerySet,
)

from cgii import fsm
from cgii.entidades.selectors import filtrar_por_entidad
from cgii.errores import NoEncontrado

from .. import states
from ..models import (
    Aplicabilidad,
    CatalogoControles,
    Control,
    Correspondencia,
    EntradaPlan,
    MapeoControles,
    PeriodoSeguimiento,
    PlanInstitucional,
)
from ..states import Estado


def obtener_uno(qs, **filtro):
    try:
        return qs.get(**filtro)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


# ---- catalogs ---------------------------------------------------------------------------

def catalogos_vigentes() -> QuerySet[CatalogoControles]:
    return CatalogoControles.objects.filter(vigente=True).annotate(n_controles=Count("controles"))


def catalogo_vigente(codigo: str) -> CatalogoControles | None:
    return CatalogoControles.objects.filter(codigo=codigo, vigente=True).first()


# New plans are written on the first of these that is loaded and complete: the national
# catalog once its file lists the whole Anexo A (docs/pisi.md), ISO/IEC 27002:2013 until then.
CATALOGOS_POR_DEFECTO = ("ctic-se-p1", "iso27002-2013", "iso27002-2022")


def catalogo_por_defecto() -> CatalogoControles | None:
    vigentes = {c.codigo: c for c in CatalogoControles.objects.filter(
        codigo__in=CATALOGOS_POR_DEFECTO, vigente=True, completo=True)}
    return next((vigentes[c] for c in CATALOGOS_POR_DEFECTO if c in vigentes), None)


def catalogo_obtener(catalogo_id: int) -> CatalogoControles:
    return obtener_uno(CatalogoControles.objects.all(), pk=catalogo_id)


def controles_de(catalogo: CatalogoControles) -> QuerySet[Control]:
    return catalogo.controles.select_related("dominio", "objetivo").order_by("orden")


def mapeo_entre(origen: CatalogoControles, destino: CatalogoControles) -> MapeoControles | None:
    return (MapeoControles.objects.filter(origen=origen, destino=destino)
            .order_by("-version", "-id").first())


def correspondencias_de(mapeo: MapeoControles, *, invertir: bool = False
                        ) -> dict[str, list[str]]:
    """{"5.1.1": ["5.1"], …} of one loaded mapping; ``invertir`` reads it backwards
    (destination → sources), for a migration the other way."""
    salida: dict[str, list[str]] = {}
    filas = (Correspondencia.objects.filter(mapeo=mapeo)
             .values_list("origen__numero", "destino__numero").order_by("origen__orden",
                                                                        "destino__orden"))
    for origen, destino in filas:
        if invertir:
            origen, destino = destino, origen
        salida.setdefault(origen, []).append(destino)
    return salida


def correspondencias_entre(origen: CatalogoControles, destino: CatalogoControles
                           ) -> dict[str, list[str]] | None:
    """{source number: [destination numbers]} from a mapping loaded in either direction
    (national → ISO is loaded; ISO → national reads it backwards). None without one."""
    directo = mapeo_entre(origen, destino)
    if directo is not None:
        return correspondencias_de(directo)
    inverso = mapeo_entre(destino, origen)
    if inverso is not None:
        return correspondencias_de(inverso, invertir=True)
    return None


# ---- plans ------------------------------------------------------------------------------

def planes_visibles(usuario) -> QuerySet[PlanInstitucional]:
    return filtrar_por_entidad(PlanInstitucional.objects.all(), usuario)


def plan_obtener(*, usuario, plan_id: int, para_actualizar: bool = False) -> PlanInstitucional:
    """The plan if ``usuario`` may see it; otherwise 404 (never 403: no existence leak)."""
    qs = planes_visibles(usuario)
    if para_actualizar:
        qs = qs.select_for_update(of=("self",)).select_related("entidad")
    else:
        qs = qs.select_related("entidad", "rsi", "catalogo", "anterior")
    return obtener_uno(qs, pk=plan_id)


@dataclass(frozen=True)
class Filtros:
    estado: list[str] | None = None
    entidad: int | None = None
    gestion: int | None = None
    catalogo: str | None = None
    texto: str | None = None
    en_curso: bool = False


def planes_lista(*, usuario, filtros: Filtros | None = None) -> QuerySet[PlanInstitucional]:
    """Visible plans with their nearest open deadline (``proximo_vence``), by that deadline."""
    f = filtros or Filtros()
    qs = (planes_visibles(usuario).select_related("entidad", "rsi", "catalogo")
          .annotate(proximo_vence=Min("plazos__vence", filter=Q(plazos__cumplido_en__isnull=True))))
    if f.estado:
        qs = qs.filter(estado__in=f.estado)
    if f.en_curso:
        qs = qs.filter(estado__in=states.ESTADOS_EN_CURSO)
    if f.entidad:
        qs = qs.filter(entidad_id=f.entidad)
    if f.gestion:
        qs = qs.filter(gestion=f.gestion)
    if f.catalogo:
        qs = qs.filter(catalogo__codigo=f.catalogo)
    if f.texto:
        t = f.texto.strip()
        qs = qs.filter(Q(entidad__sigla__iexact=t) | Q(entidad__nombre__icontains=t)
                       | Q(codigo_verificacion__iexact=t))
    return qs.order_by(F("proximo_vence").asc(nulls_last=True), "-gestion", "entidad__sigla",
                       "-version")


def planes_por_estado(*, usuario) -> dict[str, int]:
    """How many visible plans are in each state (one query; the national list's counters)."""
    filas = planes_visibles(usuario).order_by().values("estado").annotate(n=Count("id"))
    return {f["estado"]: f["n"] for f in filas}


def avance_soa_por_plan(plan_ids) -> dict[int, dict]:
    """SoA progress of many plans in one query (list pages): rows, decided, applicable,
    implemented, and the implemented share of the applicable controls."""
    salida = {}
    filas = (Aplicabilidad.objects.filter(plan_id__in=list(plan_ids)).order_by()
             .values("plan_id")
             .annotate(total=Count("id"), decididos=Count("id", filter=Q(aplica__isnull=False)),
                       aplican=Count("id", filter=Q(aplica=True)),
                       implementados=Count("id", filter=Q(
                           aplica=True, estado_implementacion="implementado"))))
    for f in filas:
        f["avance"] = round(100 * f["implementados"] / f["aplican"]) if f["aplican"] else 0
        f["decidido"] = round(100 * f["decididos"] / f["total"]) if f["total"] else 0
        salida[f["plan_id"]] = f
    return salida


def cola_revision(*, usuario) -> QuerySet[PlanInstitucional]:
    """Plans waiting for CGII (submitted or under review), by their review deadline."""
    return planes_lista(usuario=usuario, filtros=Filtros(
        estado=[Estado.PRESENTADO, Estado.EN_REVISION]))


def plan_vigente_de_entidad(entidad_id: int) -> PlanInstitucional | None:
    """The entity's plan in force (the newest one if several gestiones overlap). Internal:
    callers are the incident sink and reports, not HTTP views."""
    return (PlanInstitucional.objects
            .filter(entidad_id=entidad_id, estado__in=states.ESTADOS_IMPLEMENTACION)
            .order_by("-gestion", "-version").first())


def historial_de(*, usuario, plan: PlanInstitucional) -> QuerySet[EntradaPlan]:
    return plan.historial.select_related("actor").order_by("id")


OpcionTransicion = fsm.Opcion


def transiciones_para(*, usuario, plan: PlanInstitucional) -> list[fsm.Opcion]:
    """Transitions the user may fire from the current state (each transition's declared
    permission decides), with whether their conditions hold now and, if not, why."""
    return fsm.opciones(plan, states.MAQUINA_PLAN, usuario)


def transiciones_periodo(*, usuario, periodo: PeriodoSeguimiento) -> list[fsm.Opcion]:
    return fsm.opciones(periodo, states.MAQUINA_PERIODO, usuario)


# ---- deadlines --------------------------------------------------------------------------

