"""National PISI report for a gestión (issue 8 §2), CGII staff only.

A constant number of queries whatever the number of entities: entities, plans of the
gestión, their periods, one aggregate over the frozen snapshots of each entity's latest
closed period (GROUP BY period, domain), and the risk section's four (the matrix, assets and
scenarios per plan, the residual heat map: ``reportes.riesgos``); the rest is arithmetic in
Python. Definitions:
docs/reportes.md, "PISI compliance and national reports".
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.entidades.models import Entidad, NivelEntidad, TipoEntidad
from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import PermisoDenegado

from .. import selectors
from ..models import PeriodoSeguimiento, PlanInstitucional, SnapshotControl
from ..states import ESTADOS_IMPLEMENTACION, Estado, EstadoPeriodo
from .cumplimiento import porcentaje
from .riesgos import figuras_nacional as figuras_riesgos_nacional

# A PISI counts as approved for the gestión when one of its versions reached the MAE's
# approval: aprobado and every state that only follows it.
ESTADOS_APROBADOS = (Estado.APROBADO, Estado.VIGENTE, Estado.EN_ACTUALIZACION,
                     Estado.REEMPLAZADO, Estado.VENCIDO)
META_APROBADOS = 100
TRAMOS = [(i * 10, i * 10 + 10) for i in range(10)]  # 0–10, 10–20, … 90–100 (100 included)


def puede_ver_nacional(usuario) -> bool:
    """Who sees the national list of plans today (``/pisi/`` for CGII staff): every CGII
    role (analyst, coordinator, auditor, administrator)."""
    return es_personal_cgii(usuario)


@dataclass
class Desglose:
    clave: str
    etiqueta: str
    total: int = 0
    aprobados: int = 0
    porcentaje: float | None = None


@dataclass
class FilaEntidad:
    entidad_id: int
    sigla: str
    nombre: str
    nivel: str
    tipo: str
    plan_id: int | None = None  # the gestión's newest version
    estado: str | None = None
    aprobado: bool = False
    catalogo: str | None = None  # catalog code of the scored period's plan
    periodo_id: int | None = None  # latest closed period of the gestión
    periodo: str = ""
    fecha_corte: date | None = None
    cumplimiento: float | None = None
    evaluados: int = 0
    con_evidencia: int = 0
    cobertura: float | None = None
    por_dominio: dict[str, float | None] = field(default_factory=dict)


@dataclass
class DominioNacional:
    numero: str
    titulo: str
    orden: int
    promedio: float | None = None  # mean over entities of their domain %
    entidades: int = 0


@dataclass
class MapaCatalogo:
    """Heatmap of one control catalog (2013 domains and 2022 themes share numbers)."""

    codigo: str
    nombre: str
    dominios: list[DominioNacional]
    filas: list[FilaEntidad]  # entities scored on this catalog, by sigla


@dataclass(frozen=True)
class SinSeguimiento:
    sigla: str
    nombre: str
    motivo: str
    fecha_corte: date | None


@dataclass
class FigurasNacional:
    gestion: int
    corte: datetime
    hoy: date
    centrales: int
    centrales_aprobados: int
    porcentaje_aprobados: float | None
    meta: int
    por_nivel: list[Desglose]
    por_tipo: list[Desglose]
    por_estado: list[tuple[str, str, int]]  # (estado, etiqueta, entities whose newest plan)
    sin_plan: int  # active entities with no plan for the gestión
    entidades: list[FilaEntidad]
    distribucion: list[tuple[str, int]]
    con_puntaje: int
    promedio_cumplimiento: float | None
    mapas: list[MapaCatalogo]
    debiles: list[tuple[str, DominioNacional]]  # (catalog name, domain), lowest first
    sin_seguimiento: list[SinSeguimiento]
    ranking: list[FilaEntidad]
    riesgos: object | None = None  # reportes.riesgos.RiesgosNacional (live, not frozen)


def _avance(progreso, pct: int, texto: str) -> None:
    if progreso is not None:
        progreso(pct, texto)


def tramo(pct: float) -> int:
    return min(int(pct // 10), 9)


def _entidades() -> dict[int, FilaEntidad]:
    return {e["id"]: FilaEntidad(entidad_id=e["id"], sigla=e["sigla"], nombre=e["nombre"],
                                 nivel=e["nivel"], tipo=e["tipo"])
            for e in Entidad.objects.filter(activa=True).order_by("sigla")
            .values("id", "sigla", "nombre", "nivel", "tipo")}


def _seccion_planes(entidades: dict, gestion: int) -> tuple[list[dict], set]:
    """Each entity's newest plan of the gestión; returns the plans and the entities whose
    plan is being implemented."""
    planes = list(PlanInstitucional.objects.filter(gestion=gestion, entidad__activa=True)
                  .order_by("entidad_id", "version")
                  .values("id", "entidad_id", "version", "estado", "catalogo__codigo",
                          "catalogo__nombre"))
    en_implementacion = set()
    for p in planes:
        fila = entidades[p["entidad_id"]]
        fila.plan_id, fila.estado = p["id"], p["estado"]  # newest version wins (ordered)
        if p["estado"] in ESTADOS_APROBADOS:
            fila.aprobado = True
        if p["estado"] in ESTADOS_IMPLEMENTACION:
            en_implementacion.add(p["entidad_id"])
    return planes, en_implementacion


@dataclass
class _Periodos:
    por_periodo: dict      # latest closed period id → the entity's row
    con_periodo: set       # entities with any period
    vencidos: dict         # entity → its open period past the cut-off


def _seccion_periodos(entidades: dict, plan_de: dict, gestion: int, hoy) -> _Periodos:
    periodos = list(PeriodoSeguimiento.objects.filter(plan__gestion=gestion,
                                                      plan__entidad__activa=True)
                    .order_by("fecha_corte", "cerrado_en", "id")
                    .values("id", "plan_id", "nombre", "estado", "fecha_corte"))
    ultimo: dict[int, dict] = {}
    r = _Periodos(por_periodo={}, con_periodo=set(), vencidos={})
    for p in periodos:
        ent = plan_de[p["plan_id"]]["entidad_id"]
        r.con_periodo.add(ent)
        if p["estado"] == EstadoPeriodo.CERRADO:
            ultimo[ent] = p  # ordered: the last one is the latest cut-off
        elif p["estado"] == EstadoPeriodo.ABIERTO and p["fecha_corte"] < hoy:
            r.vencidos[ent] = p
    for ent, p in ultimo.items():
        fila = entidades[ent]
        fila.periodo_id, fila.periodo, fila.fecha_corte = p["id"], p["nombre"], p["fecha_corte"]
        fila.catalogo = plan_de[p["plan_id"]]["catalogo__codigo"]
        r.por_periodo[p["id"]] = fila
    return r


def _seccion_instantaneas(por_periodo: dict) -> dict[str, dict[str, DominioNacional]]:
    """Compliance per entity and domain from the frozen snapshots of the closed periods;
    returns the domains seen per catalog."""
    evaluados = Q(puntaje__isnull=False)
    agregados = (SnapshotControl.objects.filter(periodo_id__in=list(por_periodo))
                 .values("periodo_id", "dominio_numero")
                 .annotate(puntos=Sum(F("puntaje") * F("peso"), filter=evaluados),
                           peso=Sum("peso", filter=evaluados),
                           evaluados=Count("id", filter=evaluados),
                           con_evidencia=Count("id", filter=evaluados & Q(
                               evidencia_presente=True)),
                           orden=Min("orden"), titulo=Max("dominio_titulo"))
                 .order_by())
    totales: dict[int, list] = defaultdict(lambda: [Decimal(0), 0])
    dominios_cat: dict[str, dict[str, DominioNacional]] = defaultdict(dict)
    for a in agregados:
        fila = por_periodo[a["periodo_id"]]
        fila.por_dominio[a["dominio_numero"]] = selectors._porcentaje(a["puntos"] or 0,
                                                                      a["peso"])
        fila.evaluados += a["evaluados"]
        fila.con_evidencia += a["con_evidencia"]
        t = totales[a["periodo_id"]]
        t[0] += a["puntos"] or 0
        t[1] += a["peso"] or 0
        d = dominios_cat[fila.catalogo].get(a["dominio_numero"])
        if d is None:
            dominios_cat[fila.catalogo][a["dominio_numero"]] = DominioNacional(
                numero=a["dominio_numero"], titulo=a["titulo"], orden=a["orden"])
        else:
            d.orden = min(d.orden, a["orden"])
    for periodo_id, (puntos, peso) in totales.items():
        fila = por_periodo[periodo_id]
        fila.cumplimiento = selectors._porcentaje(puntos, peso)
        fila.cobertura = porcentaje(fila.con_evidencia, fila.evaluados)
    return dominios_cat


def _desglose(filas: list, clave_de, choices) -> list[Desglose]:
    salida = {c.value: Desglose(clave=c.value, etiqueta=str(c.label)) for c in choices}
    for f in filas:
        d = salida.setdefault(clave_de(f), Desglose(clave=clave_de(f), etiqueta=clave_de(f)))
        d.total += 1
        d.aprobados += f.aprobado
    for d in salida.values():
        d.porcentaje = porcentaje(d.aprobados, d.total)
    return [d for d in salida.values() if d.total]


def _por_estado(filas: list) -> list[tuple]:
    conteo: dict[str, int] = defaultdict(int)
    for f in filas:
        if f.estado:
            conteo[f.estado] += 1
    return [(e.value, str(e.label), conteo[e.value]) for e in Estado if conteo.get(e.value)]


def _distribucion(puntuadas: list) -> list[tuple]:
    cuentas = [0] * len(TRAMOS)
    for f in puntuadas:
        cuentas[tramo(f.cumplimiento)] += 1
    return [(f"{a}–{b} %", n) for (a, b), n in zip(TRAMOS, cuentas, strict=True)]


def _seccion_mapas(dominios_cat: dict, puntuadas: list, planes: list) -> tuple[list, list]:
    """The heat map per catalog (entity × domain) and the weakest domains nationally."""
    nombres_cat = {p["catalogo__codigo"]: p["catalogo__nombre"] for p in planes}
    mapas, debiles = [], []
    for codigo in sorted(dominios_cat):
        doms = sorted(dominios_cat[codigo].values(), key=lambda d: (d.orden, d.numero))
        filas_cat = [f for f in puntuadas if f.catalogo == codigo]
        for d in doms:
            valores = [f.por_dominio[d.numero] for f in filas_cat
                       if f.por_dominio.get(d.numero) is not None]
            d.entidades = len(valores)
            d.promedio = round(sum(valores) / len(valores), 1) if valores else None
            if d.promedio is not None:
                debiles.append((nombres_cat.get(codigo, codigo), d))
        mapas.append(MapaCatalogo(codigo=codigo, nombre=nombres_cat.get(codigo, codigo),
                                  dominios=doms, filas=filas_cat))
    debiles.sort(key=lambda x: (x[1].promedio, x[0], x[1].orden))
    return mapas, debiles


def _sin_seguimiento(filas: list, en_implementacion: set, per: _Periodos) -> list:
    salida = []
    for f in filas:
        if f.entidad_id not in en_implementacion:
            continue
        if f.entidad_id in per.vencidos:
            salida.append(SinSeguimiento(
                sigla=f.sigla, nombre=f.nombre,
                fecha_corte=per.vencidos[f.entidad_id]["fecha_corte"],
                motivo=_("Periodo abierto con el corte vencido, sin presentar")))
        elif f.entidad_id not in per.con_periodo:
            salida.append(SinSeguimiento(
                sigla=f.sigla, nombre=f.nombre, fecha_corte=None,
                motivo=_("Plan vigente sin periodo de seguimiento")))
    return salida


def figuras_nacional(*, usuario, gestion: int, progreso=None) -> FigurasNacional:
    """The national PISI report: one builder per section."""
    if not puede_ver_nacional(usuario):
        raise PermisoDenegado(_("El informe nacional es solo para el personal del CGII."))
    ahora, hoy = timezone.now(), timezone.localdate()
    _avance(progreso, 5, _("Entidades"))
    entidades = _entidades()
    _avance(progreso, 20, _("Planes de la gestión"))
    planes, en_implementacion = _seccion_planes(entidades, gestion)
    _avance(progreso, 35, _("Periodos de seguimiento"))
    per = _seccion_periodos(entidades, {p["id"]: p for p in planes}, gestion, hoy)
    _avance(progreso, 50, _("Instantáneas de los periodos cerrados"))
    dominios_cat = _seccion_instantaneas(per.por_periodo)
    _avance(progreso, 75, _("Indicadores nacionales"))
    filas = list(entidades.values())
    centrales = [f for f in filas if f.nivel == NivelEntidad.CENTRAL]
    aprobados = sum(f.aprobado for f in centrales)
    puntuadas = [f for f in filas if f.cumplimiento is not None]
    promedio = (round(sum(f.cumplimiento for f in puntuadas) / len(puntuadas), 1)
                if puntuadas else None)
    mapas, debiles = _seccion_mapas(dominios_cat, puntuadas, planes)
    ranking = sorted(puntuadas, key=lambda f: (-f.cumplimiento, -(f.cobertura or 0), f.sigla))
    _avance(progreso, 90, _("Listo"))
    return FigurasNacional(
        gestion=gestion, corte=ahora, hoy=hoy, centrales=len(centrales),
        centrales_aprobados=aprobados, porcentaje_aprobados=porcentaje(aprobados, len(centrales)),
        meta=META_APROBADOS,
        por_nivel=_desglose(filas, lambda f: f.nivel, NivelEntidad),
        por_tipo=_desglose(filas, lambda f: f.tipo, TipoEntidad),
        por_estado=_por_estado(filas), sin_plan=sum(1 for f in filas if f.plan_id is None),
        entidades=filas, distribucion=_distribucion(puntuadas), con_puntaje=len(puntuadas),
        promedio_cumplimiento=promedio, mapas=mapas, debiles=debiles,
        sin_seguimiento=_sin_seguimiento(filas, en_implementacion, per), ranking=ranking,
        riesgos=figuras_riesgos_nacional({f.plan_id: f.sigla for f in filas if f.plan_id}))
