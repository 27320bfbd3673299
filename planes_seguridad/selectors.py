"""Every read of PISI data, scoped to what the acting user may see (DESIGN.md §3.4).

Nested objects (SoA rows, activities, evidence, periods, findings) are always reached through
``plan_obtener``: another entity's plan is a 404, and so is everything under it.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from cgii.entidades.selectors import filtrar_por_entidad
from cgii.errores import NoEncontrado

from . import states
from .models import (
    Actividad,
    Aplicabilidad,
    CatalogoControles,
    Control,
    Correspondencia,
    EntradaPlan,
    Evidencia,
    Hallazgo,
    MapeoControles,
    ParametroPlazo,
    PeriodoSeguimiento,
    PlanInstitucional,
    Plazo,
    RevisionControl,
    SnapshotControl,
)
from .permisos import ROLES_TRANSICION, roles_del_usuario
from .states import Estado, EstadoPeriodo, TipoPlazo


def _obtener(qs, **filtro):
    try:
        return qs.get(**filtro)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


# ---- catalogs ---------------------------------------------------------------------------

def catalogos_vigentes() -> QuerySet[CatalogoControles]:
    return CatalogoControles.objects.filter(vigente=True).annotate(n_controles=Count("controles"))


def catalogo_vigente(codigo: str) -> CatalogoControles | None:
    return CatalogoControles.objects.filter(codigo=codigo, vigente=True).first()


def catalogo_obtener(catalogo_id: int) -> CatalogoControles:
    return _obtener(CatalogoControles.objects.all(), pk=catalogo_id)


def controles_de(catalogo: CatalogoControles) -> QuerySet[Control]:
    return catalogo.controles.select_related("dominio", "objetivo").order_by("orden")


def mapeo_entre(origen: CatalogoControles, destino: CatalogoControles) -> MapeoControles | None:
    return (MapeoControles.objects.filter(origen=origen, destino=destino)
            .order_by("-version", "-id").first())


def correspondencias_de(mapeo: MapeoControles) -> dict[str, list[str]]:
    """{"5.1.1": ["5.1"], …} of one loaded mapping."""
    salida: dict[str, list[str]] = {}
    filas = (Correspondencia.objects.filter(mapeo=mapeo)
             .values_list("origen__numero", "destino__numero").order_by("origen__orden",
                                                                        "destino__orden"))
    for origen, destino in filas:
        salida.setdefault(origen, []).append(destino)
    return salida


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
    return _obtener(qs, pk=plan_id)


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


@dataclass(frozen=True)
class OpcionTransicion:
    nombre: str
    etiqueta: str
    destino: str
    disponible: bool
    motivos: tuple[str, ...]
    campos: tuple[str, ...] = ()   # fields sent with the transition (a small form)


def transiciones_para(*, usuario, plan: PlanInstitucional) -> list[OpcionTransicion]:
    """Transitions the user's roles allow from the current state, with whether their
    conditions hold now and, if not, why."""
    roles = roles_del_usuario(plan.entidad_id, usuario)
    opciones = []
    for trans in PlanInstitucional._meta.get_field("estado").get_all_transitions(
            PlanInstitucional):
        if trans.source != plan.estado or trans.name in states.TRANSICIONES_SISTEMA:
            continue
        if not roles & set(ROLES_TRANSICION.get(trans.name, ())):
            continue
        motivos = tuple(str(getattr(c, "motivo", c.__name__))
                        for c in trans.conditions if not c(plan))
        opciones.append(OpcionTransicion(
            nombre=trans.name, etiqueta=str(states.Transicion(trans.name).label),
            destino=str(trans.target), disponible=not motivos, motivos=motivos,
            campos=states.CAMPOS_TRANSICION.get(trans.name, ())))
    return opciones


def transiciones_periodo(*, usuario, periodo: PeriodoSeguimiento) -> list[OpcionTransicion]:
    from .permisos import ROLES_TRANSICION_PERIODO

    roles = roles_del_usuario(periodo.plan.entidad_id, usuario)
    opciones = []
    for trans in PeriodoSeguimiento._meta.get_field("estado").get_all_transitions(
            PeriodoSeguimiento):
        if trans.source != periodo.estado:
            continue
        if not roles & set(ROLES_TRANSICION_PERIODO.get(trans.name, ())):
            continue
        motivos = tuple(str(getattr(c, "motivo", c.__name__))
                        for c in trans.conditions if not c(periodo))
        opciones.append(OpcionTransicion(
            nombre=trans.name, etiqueta=str(states.TransicionPeriodo(trans.name).label),
            destino=str(trans.target), disponible=not motivos, motivos=motivos))
    return opciones


# ---- deadlines --------------------------------------------------------------------------

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
        qs = qs.filter(Q(aplica__isnull=True) | Q(aplica=False, justificacion=""))
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
    return _obtener(qs, **filtro)


def soa_resumen(*, plan: PlanInstitucional) -> dict:
    """Counts for the SoA header and the PDF: totals and per domain/theme."""
    filas = (plan.soa.values("control__dominio__numero", "control__dominio__titulo",
                             "control__dominio__orden")
             .annotate(total=Count("id"), aplican=Count("id", filter=Q(aplica=True)),
                       no_aplican=Count("id", filter=Q(aplica=False)),
                       pendientes=Count("id", filter=Q(aplica__isnull=True)),
                       implementados=Count("id", filter=Q(aplica=True,
                                                          estado_implementacion="implementado")),
                       en_proceso=Count("id", filter=Q(aplica=True,
                                                       estado_implementacion="en_proceso")),
                       madurez=Sum("madurez", filter=Q(aplica=True)))
             .order_by("control__dominio__orden"))
    dominios = []
    claves = ("total", "aplican", "no_aplican", "pendientes", "implementados", "en_proceso")
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
    return _obtener(qs, pk=actividad_id)


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
    return _obtener(plan.evidencias.all(), pk=evidencia_id)


def documento_plan(*, usuario, plan_id: int, tipo: str) -> dict:
    """Stored policy or resolution document of a visible plan: {ruta, nombre, tipo_mime}."""
    plan = plan_obtener(usuario=usuario, plan_id=plan_id)
    if tipo not in ("politica", "resolucion") or not getattr(plan, f"{tipo}_ruta"):
        raise NoEncontrado()
    return {"ruta": getattr(plan, f"{tipo}_ruta"), "nombre": getattr(plan, f"{tipo}_nombre"),
            "tipo_mime": getattr(plan, f"{tipo}_tipo_mime")}


# ---- follow-up ----------------------------------------------------------------------------

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
    return _obtener(qs, pk=periodo_id)


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
    return _obtener(qs, pk=hallazgo_id)


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

@dataclass
class ResumenPlan:
    plan: PlanInstitucional
    soa: dict
    plazos: list[FiguraPlazo]
    actividades: dict
    hallazgos_abiertos: int
    tendencia: list[dict] = field(default_factory=list)


def resumen_plan(*, usuario, plan_id: int) -> ResumenPlan:
    """What the printable PISI summary shows (the PDF helper renders this)."""
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
    return {
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
