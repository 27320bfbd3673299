"""Writes on SLA clocks. Callers (incident services) run these inside their own transaction.

A clock's events are the truth; after each change the stored figures (state, deadline,
next threshold) are recomputed so that the monitor can find crossings by index.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import selectors
from .models import CruceSLA, PoliticaSLA, RelojSLA, TipoCruce
from .reloj import EstadoReloj, EventoReloj, Figuras, TipoEvento, calcular

# ambito -> function(reloj, cruce, figuras) called inside the crossing's transaction.
_manejadores: dict[str, Callable[[RelojSLA, CruceSLA, Figuras], None]] = {}


def registrar_manejador_cruce(ambito: str, funcion) -> None:
    _manejadores[ambito] = funcion


def figuras(reloj: RelojSLA, ahora: datetime | None = None) -> Figuras:
    return calcular(
        [EventoReloj.de_dict(e) for e in reloj.eventos],
        objetivo=timedelta(minutes=reloj.objetivo_min),
        calendario=selectors.calendario_de(reloj.politica),
        ahora=ahora or timezone.now(),
        umbral_advertencia=float(reloj.politica.umbral_advertencia),
    )


def _calcular_campos(reloj: RelojSLA, ahora: datetime) -> Figuras:
    f = figuras(reloj, ahora)
    reloj.estado = f.estado.value
    reloj.vence, reloj.advertencia_en = f.vence, f.advertencia_en
    reloj.terminado_en = f.terminado_en
    reloj.proximo_umbral = _proximo_pendiente(reloj, f)
    return f


def _guardar(reloj: RelojSLA, ahora: datetime) -> Figuras:
    f = _calcular_campos(reloj, ahora)
    reloj.save()
    return f


def _proximo_pendiente(reloj: RelojSLA, f: Figuras) -> datetime | None:
    """The next threshold still to report. A breach that happened while nobody swept (or
    whose crossing is not yet recorded) stays due now, so the monitor still reports it."""
    if f.proximo_umbral is not None:
        return f.proximo_umbral
    if f.estado == EstadoReloj.INCUMPLIDO and f.terminado_en is None and reloj.pk:
        if not CruceSLA.objects.filter(reloj=reloj, tipo=TipoCruce.INCUMPLIMIENTO).exists():
            return f.vence
    return None


def reloj_iniciar(*, ambito: str, objeto_id: int, medida: str, politica: PoliticaSLA,
                  momento: datetime, entidad_id: int | None = None) -> RelojSLA:
    reloj = RelojSLA(ambito=ambito, objeto_id=objeto_id, entidad_id=entidad_id, medida=medida,
                     politica=politica, objetivo_min=politica.objetivo_min(medida),
                     eventos=[EventoReloj(TipoEvento.INICIO, momento).a_dict()])
    _guardar(reloj, momento)
    return reloj


def relojes_preparar(*, ambito: str, medidas, politica: PoliticaSLA, momento: datetime,
                     entidad_id: int | None = None) -> list[RelojSLA]:
    """Several clocks of one subject started at ``momento``, figures computed, not saved:
    a caller can do this before its transaction and keep the transaction short."""
    relojes = []
    for medida in medidas:
        reloj = RelojSLA(ambito=ambito, entidad_id=entidad_id, medida=medida, politica=politica,
                         objetivo_min=politica.objetivo_min(medida),
                         eventos=[EventoReloj(TipoEvento.INICIO, momento).a_dict()])
        _calcular_campos(reloj, momento)
        relojes.append(reloj)
    return relojes


def relojes_guardar(relojes: list[RelojSLA], *, objeto_id: int) -> list[RelojSLA]:
    """Insert prepared clocks for their subject (one INSERT)."""
    for reloj in relojes:
        reloj.objeto_id = objeto_id
    return RelojSLA.objects.bulk_create(relojes)


def relojes_iniciar(*, ambito: str, objeto_id: int, medidas, politica: PoliticaSLA,
                    momento: datetime, entidad_id: int | None = None) -> list[RelojSLA]:
    """Several clocks of one subject started at once (one INSERT)."""
    return relojes_guardar(
        relojes_preparar(ambito=ambito, medidas=medidas, politica=politica, momento=momento,
                         entidad_id=entidad_id), objeto_id=objeto_id)


def reloj_evento(reloj: RelojSLA, tipo: TipoEvento, momento: datetime) -> Figuras:
    """Append pause/resume/stop. Redundant events are stored but ignored by the clock."""
    reloj.eventos = [*reloj.eventos, EventoReloj(tipo, momento).a_dict()]
    return _guardar(reloj, momento)


def reloj_cambiar_politica(reloj: RelojSLA, politica: PoliticaSLA, ahora: datetime) -> Figuras:
    """A new priority: the clock keeps its history and is measured against the new target."""
    reloj.politica = politica
    reloj.objetivo_min = politica.objetivo_min(reloj.medida)
    return _guardar(reloj, ahora)


def reloj_refrescar(reloj: RelojSLA, ahora: datetime) -> Figuras:
    return _guardar(reloj, ahora)


def _cruces(reloj: RelojSLA, f: Figuras, ahora: datetime) -> list[tuple[str, datetime]]:
    pendientes = []
    if f.advertencia_en and f.advertencia_en <= ahora and f.estado != EstadoReloj.CUMPLIDO:
        pendientes.append((TipoCruce.ADVERTENCIA, f.advertencia_en))
    if f.estado == EstadoReloj.INCUMPLIDO and f.vence and f.vence <= ahora:
        pendientes.append((TipoCruce.INCUMPLIMIENTO, f.vence))
    return pendientes


def _procesar(reloj_id: int, ahora: datetime) -> list[CruceSLA] | None:
    """None when another sweep holds the clock."""
    nuevos: list[CruceSLA] = []
    with transaction.atomic():
        reloj = (RelojSLA.objects.select_for_update(skip_locked=True)
                 .select_related("politica__calendario").filter(pk=reloj_id).first())
        if reloj is None:
            return None
        if reloj.proximo_umbral is None or reloj.proximo_umbral > ahora:
            return nuevos  # it moved since we listed it
        f = figuras(reloj, ahora)
        for tipo, umbral in _cruces(reloj, f, ahora):
            politica = reloj.politica
            escalado = (politica.escalar_advertencia if tipo == TipoCruce.ADVERTENCIA
                        else politica.escalar_incumplimiento)
            try:
                with transaction.atomic():
                    cruce = CruceSLA.objects.create(reloj=reloj, tipo=tipo, umbral=umbral,
                                                    escalado_a=list(escalado))
            except IntegrityError:
                continue  # already recorded: sweeping twice reports once
            manejador = _manejadores.get(reloj.ambito)
            if manejador:
                manejador(reloj, cruce, f)
            nuevos.append(cruce)
        _guardar(reloj, ahora)
    return nuevos


def sla_barrer(*, ahora: datetime | None = None, lote: int = 500) -> list[CruceSLA]:
    """Record every warning/breach crossed up to ``ahora``; idempotent. One transaction per
    clock so that one bad clock never blocks the rest; clocks another sweep holds are left
    to it."""
    ahora = ahora or timezone.now()
    cruces: list[CruceSLA] = []
    vistos: set[int] = set()
    saltados: set[int] = set()
    while True:
        ids = [i for i in selectors.relojes_que_cruzaron(hasta=ahora)
               .exclude(pk__in=saltados).values_list("pk", flat=True)[:lote] if i not in vistos]
        if not ids:
            return cruces
        for reloj_id in ids:
            vistos.add(reloj_id)
            nuevos = _procesar(reloj_id, ahora)
            if nuevos is None:
                saltados.add(reloj_id)
            else:
                cruces += nuevos
