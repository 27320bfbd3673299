"""Entity compliance report (issue 8 §1): one plan and one closed follow-up period.

Every compliance figure comes from the period's frozen ``SnapshotControl`` rows; the rest
from recorded dates (approval, submission, activity dates, finding open/close instants) read
"as of" the period's cut-off or closing instant, so a later edit of live data cannot move a
past report (except where docs/reportes.md says so). Constant number of queries whatever the
size of the plan. Definitions: docs/reportes.md, "PISI compliance and national reports".
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion, NoEncontrado
from incidentes import selectors as selectores_incidentes

from .. import congelado, selectors
from ..models import (
    Grado,
    Resultado,
    SnapshotControl,
    SnapshotPeriodo,
)
from ..states import EstadoPeriodo
from .riesgos import figuras_plan as figuras_riesgos_plan


def porcentaje(parte, total) -> float | None:
    """parte / total on the 0–100 scale, one decimal (None when total is 0)."""
    if not total:
        return None
    return float(round(Decimal(parte) * 100 / Decimal(total), 1))


def dia_local(momento: datetime | None) -> date | None:
    return timezone.localtime(momento).date() if momento is not None else None


@dataclass(frozen=True)
class ItemGobernanza:
    clave: str  # rsi | comite | politica | aprobacion | seguimiento
    titulo: str
    ok: bool
    detalle: str


@dataclass
class FiguraDominio:
    """One domain (2013) or theme (2022) in the period's snapshot."""

    numero: str
    titulo: str
    controles: int = 0
    aplicables: int = 0  # snapshot ``aplica`` is True
    excluidos: int = 0  # snapshot ``aplica`` is False (SoA exclusion)
    evaluados: int = 0  # score not null (cumple / parcial / no cumple)
    cumple: int = 0
    parcial: int = 0
    no_cumple: int = 0
    no_aplica: int = 0
    puntos: Decimal = Decimal(0)  # Σ(peso × puntaje) over evaluated
    peso: int = 0  # Σ(peso) over evaluated (= Σ peso × max, max score 1)
    con_evidencia: int = 0  # evaluated with approved evidence at closing
    cumplimiento: float | None = None  # 100 × puntos / peso
    cobertura: float | None = None  # 100 × con_evidencia / evaluados


@dataclass(frozen=True)
class Exclusion:
    numero: str
    titulo: str
    dominio: str
    justificacion: str


@dataclass(frozen=True)
class ControlSinEvidencia:
    numero: str
    titulo: str
    dominio: str


@dataclass(frozen=True)
class ActividadAtrasada:
    titulo: str
    fin_planificado: date
    avance: int
    dias: int  # calendar days from the planned end to the cut-off


@dataclass
class Cronograma:
    corte: date
    total: int = 0  # activities in the plan's schedule
    vencen: int = 0  # planned end on or before the cut-off ("due")
    terminadas: int = 0  # due and completed by the cut-off
    terminadas_a_tiempo: int = 0  # of those, with fin_real on or before the planned end
    atrasadas: int = 0  # due, not completed by the cut-off, planned end before the cut-off
    porcentaje: float | None = None  # 100 × terminadas / vencen
    mediana_dias: float | None = None  # median days overdue of the overdue ones
    maximo_dias: int | None = None
    detalle: list[ActividadAtrasada] = field(default_factory=list)


@dataclass
class CoberturaEvidencia:
    evaluados: int = 0
    con_evidencia: int = 0
    porcentaje: float | None = None
    cumple_sin_evidencia: list[ControlSinEvidencia] = field(default_factory=list)


@dataclass(frozen=True)
class GradoHallazgos:
    grado: str
    etiqueta: str
    abiertos: int
    cerrados: int


@dataclass
class Hallazgos:
    total: int = 0
    abiertos: int = 0
    cerrados: int = 0
    por_grado: list[GradoHallazgos] = field(default_factory=list)
    promedio_dias_cierre: float | None = None  # mean (cerrado_en − creado) in days, 1 decimal


@dataclass(frozen=True)
class PeriodoInfo:
    id: int
    nombre: str
    fecha_corte: date
    presentado_en: datetime | None
    cerrado_en: datetime | None


@dataclass
class FigurasCumplimiento:
    plan_id: int
    entidad_id: int
    sigla: str
    entidad: str
    gestion: int
    version: int
    catalogo: str
    estado: str
    estado_etiqueta: str
    periodo: PeriodoInfo | None
    periodos_cerrados: list[PeriodoInfo]
    corte: datetime  # closing instant of the period (now when there is none)
    gobernanza: list[ItemGobernanza]
    cumplimiento: float | None  # overall implementation %
    total: FiguraDominio  # totals row (numero "")
    dominios: list[FiguraDominio]
    exclusiones: list[Exclusion]
    cronograma: Cronograma
    evidencia: CoberturaEvidencia
    hallazgos: Hallazgos
    incidentes_desde: date
    incidentes_hasta: date
    incidentes: object | None  # incidentes.reportes.figuras.FigurasGestion (None: unavailable)
    tendencia: list[dict]
    riesgos: object | None = None  # reportes.riesgos.RiesgosPlan (live, not frozen)


# ---- pieces (pure functions of already-read rows; tested through the report) --------------

def dominios_de_snapshot(filas: list[dict]) -> tuple[FiguraDominio, list[FiguraDominio],
                                                     CoberturaEvidencia]:
    """Per-domain and total figures from the snapshot rows of one period (in order)."""
    dominios: dict[str, FiguraDominio] = {}
    total = FiguraDominio(numero="", titulo=_("Total"))
    evidencia = CoberturaEvidencia()
    for f in filas:
        d = dominios.get(f["dominio_numero"])
        if d is None:
            d = dominios[f["dominio_numero"]] = FiguraDominio(numero=f["dominio_numero"],
                                                              titulo=f["dominio_titulo"])
        for fig in (d, total):
            fig.controles += 1
            fig.aplicables += f["aplica"] is True
            fig.excluidos += f["aplica"] is False
            fig.cumple += f["resultado"] == Resultado.CUMPLE
            fig.parcial += f["resultado"] == Resultado.CUMPLE_PARCIALMENTE
            fig.no_cumple += f["resultado"] == Resultado.NO_CUMPLE
            fig.no_aplica += f["resultado"] == Resultado.NO_APLICA
            if f["puntaje"] is not None:
                fig.evaluados += 1
                fig.puntos += f["puntaje"] * f["peso"]
                fig.peso += f["peso"]
                fig.con_evidencia += bool(f["evidencia_presente"])
        if f["resultado"] == Resultado.CUMPLE and not f["evidencia_presente"]:
            evidencia.cumple_sin_evidencia.append(ControlSinEvidencia(
                numero=f["control_numero"], titulo=f["control_titulo"],
                dominio=f["dominio_numero"]))
    for fig in (*dominios.values(), total):
        fig.cumplimiento = selectors._porcentaje(fig.puntos, fig.peso)
        fig.cobertura = porcentaje(fig.con_evidencia, fig.evaluados)
    evidencia.evaluados, evidencia.con_evidencia = total.evaluados, total.con_evidencia
    evidencia.porcentaje = total.cobertura
    return total, list(dominios.values()), evidencia


def cronograma_al(actividades: list[dict], corte: date) -> Cronograma:
    """Schedule performance as of ``corte`` from the activities' planned and actual dates.

    Completed by the cut-off: ``fin_real`` on or before it, or (no ``fin_real``) progress 100 %
    — the same "finished" as ``selectors.actividades_de``. Overdue: planned end before the
    cut-off and not completed by it; days overdue = cut-off − planned end."""
    c = Cronograma(corte=corte, total=len(actividades))
    dias = []
    for a in actividades:
        if a["fin_planificado"] > corte:
            continue
        c.vencen += 1
        if a["fin_real"] is not None:
            terminada = a["fin_real"] <= corte
        else:
            terminada = a["avance"] >= 100
        if terminada:
            c.terminadas += 1
            if a["fin_real"] is not None and a["fin_real"] <= a["fin_planificado"]:
                c.terminadas_a_tiempo += 1
        elif a["fin_planificado"] < corte:
            n = (corte - a["fin_planificado"]).days
            dias.append(n)
            c.detalle.append(ActividadAtrasada(titulo=a["titulo"],
                                               fin_planificado=a["fin_planificado"],
                                               avance=a["avance"], dias=n))
    c.atrasadas = len(dias)
    c.porcentaje = porcentaje(c.terminadas, c.vencen)
    if dias:
        c.mediana_dias = float(median(dias))
        c.maximo_dias = max(dias)
    c.detalle.sort(key=lambda x: (-x.dias, x.titulo))
    return c


def hallazgos_al(filas: list[dict], instante: datetime) -> Hallazgos:
    """Findings recorded up to ``instante``, open or closed as of that instant."""
    h = Hallazgos()
    por_grado = {g.value: [0, 0] for g in Grado}
    duraciones = []
    for f in filas:
        if f["creado"] > instante:
            continue
        h.total += 1
        cerrado = f["cerrado_en"] is not None and f["cerrado_en"] <= instante
        por_grado.setdefault(f["grado"], [0, 0])[1 if cerrado else 0] += 1
        if cerrado:
            h.cerrados += 1
            duraciones.append((f["cerrado_en"] - f["creado"]).total_seconds() / 86400)
        else:
            h.abiertos += 1
    h.por_grado = [GradoHallazgos(grado=g, etiqueta=str(Grado(g).label) if g in Grado.values
                                  else g, abiertos=a, cerrados=c)
                   for g, (a, c) in por_grado.items()]
    if duraciones:
        h.promedio_dias_cierre = round(sum(duraciones) / len(duraciones), 1)
    return h


def gobernanza_de(hechos: dict, periodo: PeriodoInfo | None) -> list[ItemGobernanza]:
    """The checklist from the governance facts (``congelado.hechos_gobernanza``): frozen at
    the period's close, or the plan's current ones when no period is closed."""
    fmt = "%d/%m/%Y"
    items = []
    items.append(ItemGobernanza(
        "rsi", _("RSI designado"), bool(hechos["rsi"]), hechos["rsi"] or _("Sin RSI designado")))
    n = hechos["comite"]
    items.append(ItemGobernanza(
        "comite", _("Comité de Seguridad conformado"), n > 0,
        _("%(n)d miembro(s)") % {"n": n} if n else _("Sin miembros registrados")))
    aprobada_en = hechos["politica_aprobada_en"]
    politica = hechos["politica_presente"] and aprobada_en is not None
    items.append(ItemGobernanza(
        "politica", _("Política de seguridad aprobada"), politica,
        _("Aprobada el %(f)s") % {"f": aprobada_en.strftime(fmt)}
        if aprobada_en else _("Sin fecha de aprobación")))
    aprobado = (hechos["aprobado_en"] is not None and bool(hechos["resolucion_cite"])
                and hechos["resolucion_fecha"] is not None)
    items.append(ItemGobernanza(
        "aprobacion", _("PISI aprobado (CITE y fecha)"), aprobado,
        _("Resolución %(c)s del %(f)s") % {"c": hechos["resolucion_cite"],
                                            "f": hechos["resolucion_fecha"].strftime(fmt)}
        if aprobado else _("Sin resolución de aprobación de la MAE")))
    if periodo is None:
        items.append(ItemGobernanza("seguimiento", _("Seguimiento presentado a tiempo"), False,
                                    _("Sin periodo de seguimiento cerrado")))
    else:
        dia = dia_local(periodo.presentado_en)
        a_tiempo = dia is not None and dia <= periodo.fecha_corte
        if dia is None:
            detalle = _("No presentado (corte %(c)s)") % {"c": periodo.fecha_corte.strftime(fmt)}
        else:
            detalle = _("Presentado el %(p)s (corte %(c)s)") % {
                "p": dia.strftime(fmt), "c": periodo.fecha_corte.strftime(fmt)}
        items.append(ItemGobernanza("seguimiento", _("Seguimiento presentado a tiempo"),
                                    a_tiempo, detalle))
    return items


def _incidentes(*, usuario, desde: date, hasta: date, entidad_id: int):
    # Through the incidents app's selectors only (docs/architecture.md, dependency direction).
    return selectores_incidentes.figuras_gestion(usuario=usuario, desde=desde, hasta=hasta,
                                                 entidad_id=entidad_id)


# ---- the report ---------------------------------------------------------------------------

def figuras_cumplimiento(*, usuario, plan_id: int, periodo_id: int | None = None
                         ) -> FigurasCumplimiento:
    """Compliance figures of a plan the user may see (404 otherwise) for one closed period
    (default: the latest closed one by cut-off date)."""
    plan = selectors.plan_obtener(usuario=usuario, plan_id=plan_id)
    periodos = list(plan.periodos.order_by("fecha_corte", "cerrado_en", "id")
                    .values("id", "nombre", "fecha_corte", "estado", "presentado_en",
                            "cerrado_en"))
    cerrados = [PeriodoInfo(id=p["id"], nombre=p["nombre"], fecha_corte=p["fecha_corte"],
                            presentado_en=p["presentado_en"], cerrado_en=p["cerrado_en"])
                for p in periodos if p["estado"] == EstadoPeriodo.CERRADO]
    if periodo_id is None:
        periodo = cerrados[-1] if cerrados else None
    else:
        if not any(p["id"] == periodo_id for p in periodos):
            raise NoEncontrado(_("Periodo de seguimiento no encontrado."))
        periodo = next((p for p in cerrados if p.id == periodo_id), None)
        if periodo is None:
            raise ErrorValidacion(extra={"periodo": [
                _("El periodo aún no está cerrado: el informe usa la instantánea de un "
                  "periodo cerrado.")]})

    if periodo is not None:
        filas = list(SnapshotControl.objects.filter(periodo_id=periodo.id).order_by("orden")
                     .values("control_numero", "control_titulo", "dominio_numero",
                             "dominio_titulo", "aplica", "resultado", "puntaje", "peso",
                             "evidencia_presente"))
        corte_dia, instante = periodo.fecha_corte, periodo.cerrado_en
        anterior = [p for p in cerrados if p.fecha_corte < periodo.fecha_corte]
        if anterior:
            desde = anterior[-1].fecha_corte + timedelta(days=1)
        else:
            desde = plan.vigencia_desde or date(corte_dia.year, 1, 1)
        desde = min(desde, corte_dia)
    else:
        filas = []
        instante = timezone.now()
        corte_dia = timezone.localdate()
        desde = plan.vigencia_desde or date(corte_dia.year, 1, 1)
        desde = min(desde, corte_dia)
    total, dominios, evidencia = dominios_de_snapshot(filas)

    # SoA: the exclusions with their justification (applicability is edited only while the
    # plan is borrador/observado, so for a plan under follow-up it is as frozen as the
    # snapshot); without a closed period the counts come from the live SoA.
    exclusiones = [Exclusion(numero=e["control__numero"], titulo=e["control__titulo"],
                             dominio=e["control__dominio__numero"],
                             justificacion=e["justificacion"])
                   for e in plan.soa.filter(aplica=False).order_by("control__orden")
                   .values("control__numero", "control__titulo", "control__dominio__numero",
                           "justificacion")]
    if periodo is None:
        vivas = list(plan.soa.order_by("control__orden").values(
            control_numero=F("control__numero"), control_titulo=F("control__titulo"),
            dominio_numero=F("control__dominio__numero"),
            dominio_titulo=F("control__dominio__titulo"), aplica_=F("aplica")))
        total, dominios, _e = dominios_de_snapshot([
            {**v, "aplica": v["aplica_"], "resultado": "", "puntaje": None, "peso": 0,
             "evidencia_presente": False} for v in vivas])

    # Frozen at the close (SnapshotPeriodo) so later edits cannot move the report; periods
    # closed before that snapshot existed, or no closed period, read the live rows as of the
    # cut-off.
    foto = (SnapshotPeriodo.objects.filter(periodo_id=periodo.id).first()
            if periodo is not None else None)
    if foto is not None:
        hechos, actividades, filas_hallazgos = congelado.leer(foto.gobernanza, foto.actividades,
                                                              foto.hallazgos)
    else:
        hechos, actividades, filas_hallazgos = congelado.leer(
            **congelado.resumen(plan))
    cronograma = cronograma_al(actividades, corte_dia)
    hallazgos = hallazgos_al(filas_hallazgos, instante)
    incidentes = _incidentes(usuario=usuario, desde=desde, hasta=corte_dia,
                             entidad_id=plan.entidad_id)
    return FigurasCumplimiento(
        plan_id=plan.pk, entidad_id=plan.entidad_id, sigla=plan.entidad.sigla,
        entidad=plan.entidad.nombre, gestion=plan.gestion, version=plan.version,
        catalogo=str(plan.catalogo.nombre), estado=plan.estado,
        estado_etiqueta=str(plan.get_estado_display()), periodo=periodo,
        periodos_cerrados=cerrados, corte=instante,
        gobernanza=gobernanza_de(hechos, periodo), cumplimiento=total.cumplimiento, total=total,
        dominios=dominios, exclusiones=exclusiones, cronograma=cronograma, evidencia=evidencia,
        hallazgos=hallazgos, incidentes_desde=desde, incidentes_hasta=corte_dia,
        incidentes=incidentes, tendencia=selectors.tendencia(plan),
        riesgos=figuras_riesgos_plan(plan))
