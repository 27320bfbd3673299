"""The SLA clock: pure functions over a list of clock events.

A clock is stored as its events (``INICIO``, ``PAUSA``, ``REANUDACION``, ``FIN``); everything
shown to users is derived by ``calcular`` at a given instant ``ahora``, so the figures never go
stale and replaying history is always possible.

Semantics:

- Events are sorted by ``momento`` (stable, so simultaneous events keep their given order).
  Events later than ``ahora`` are ignored. The rest drive a tolerant state machine: anything
  before the first ``INICIO``, a second ``INICIO``, ``PAUSA`` while paused, ``REANUDACION``
  while running and anything after ``FIN`` are ignored, so a replayed event never corrupts a
  clock. ``FIN`` stops the clock whether it is running or paused.
- The clock runs over [``INICIO`` or ``REANUDACION``, next ``PAUSA``, ``FIN`` or ``ahora``).
  ``transcurrido`` is the calendar's working time summed over those runs.
- ``vence`` and ``advertencia_en`` are the instants at which ``transcurrido`` reaches
  ``objetivo`` and ``umbral_advertencia * objetivo``. A point already reached during a run is
  that exact instant (it does not move once passed, even while paused). A point not yet reached
  is projected as ``calendario.sumar(referencia, meta - transcurrido)``: running, from
  ``ahora`` (identical to summing from the start of the current run); paused, as if resumed at
  ``ahora``, so the deadline slides while paused; stopped, from ``FIN``, i.e. as it stood when
  the clock stopped (for a clock stopped while running, the deadline of its last run).
- ``DESCARTE`` stops the clock like ``FIN``; its state is then ``DESCARTADO`` (the subject was
  discarded, e.g. an incident merged into its master: neither met nor breached).
- ``estado``: ``SIN_INICIAR`` without an ``INICIO``; after ``FIN``, ``CUMPLIDO`` if
  ``transcurrido <= objetivo`` else ``INCUMPLIDO``; otherwise ``INCUMPLIDO`` once
  ``transcurrido >= objetivo`` (even while paused), then ``PAUSADO``, then ``ADVERTENCIA`` once
  the warning point is reached, else ``OK``.
- ``proximo_umbral`` is the next instant at which the state changes by itself, for scheduling
  a re-evaluation: ``advertencia_en`` or ``vence`` if still ahead, ``None`` when paused, stopped,
  not started or already overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from protocolos.calendario import Calendario

_CERO = timedelta(0)
_SEGUNDO = timedelta(seconds=1)


class TipoEvento(StrEnum):
    INICIO = "inicio"
    PAUSA = "pausa"
    REANUDACION = "reanudacion"
    FIN = "fin"
    # Stops like FIN, but the subject was discarded (an incident merged into another as a
    # duplicate): the clock reads DESCARTADO, neither met nor breached.
    DESCARTE = "descarte"


class EstadoReloj(StrEnum):
    SIN_INICIAR = "sin_iniciar"
    OK = "ok"
    ADVERTENCIA = "advertencia"
    INCUMPLIDO = "incumplido"
    CUMPLIDO = "cumplido"
    PAUSADO = "pausado"
    DESCARTADO = "descartado"


def _exigir_aware(momento: datetime, nombre: str) -> None:
    if momento.tzinfo is None or momento.utcoffset() is None:
        raise ValueError(f"{nombre} must be an aware datetime")


@dataclass(frozen=True)
class EventoReloj:
    tipo: TipoEvento
    momento: datetime

    def __post_init__(self) -> None:
        # Coerce so that events rebuilt from JSON or forms compare equal to typed ones.
        object.__setattr__(self, "tipo", TipoEvento(self.tipo))
        _exigir_aware(self.momento, "momento")

    def a_dict(self) -> dict:
        return {"tipo": self.tipo.value, "momento": self.momento.isoformat()}

    @classmethod
    def de_dict(cls, d: dict) -> EventoReloj:
        return cls(tipo=TipoEvento(d["tipo"]), momento=datetime.fromisoformat(d["momento"]))


@dataclass(frozen=True)
class Figuras:
    estado: EstadoReloj
    objetivo: timedelta
    transcurrido: timedelta
    restante: timedelta
    fraccion: float
    vence: datetime | None
    advertencia_en: datetime | None
    pausado: bool
    terminado_en: datetime | None
    proximo_umbral: datetime | None

    def a_dict(self) -> dict:
        """JSON-friendly figures; durations in whole seconds (floored)."""
        objetivo_s = self.objetivo // _SEGUNDO
        transcurrido_s = self.transcurrido // _SEGUNDO
        return {
            "estado": self.estado.value,
            "objetivo_s": objetivo_s,
            "transcurrido_s": transcurrido_s,
            # Derived from the rounded figures so the three always add up on screen.
            "restante_s": objetivo_s - transcurrido_s,
            "fraccion": self.fraccion,
            "vence": _iso(self.vence),
            "advertencia_en": _iso(self.advertencia_en),
            "pausado": self.pausado,
            "terminado_en": _iso(self.terminado_en),
            "proximo_umbral": _iso(self.proximo_umbral),
        }


def _iso(momento: datetime | None) -> str | None:
    return None if momento is None else momento.isoformat()


@dataclass(frozen=True)
class _Recorrido:
    """The clock's history as far as ``ahora``: its runs and where it stands now."""

    tramos: tuple[tuple[datetime, datetime], ...]  # runs, the current one truncated at ahora
    corriendo: bool
    fin: datetime | None
    descartado: bool = False


def _recorrer(eventos: Sequence[EventoReloj], ahora: datetime) -> _Recorrido | None:
    """Replay the events through the tolerant state machine; None if the clock never started."""
    tramos: list[tuple[datetime, datetime]] = []
    inicio_tramo: datetime | None = None
    iniciado = False
    for evento in sorted(eventos, key=lambda e: e.momento):
        if evento.momento > ahora:
            break
        tipo, momento = evento.tipo, evento.momento
        if not iniciado:
            if tipo is TipoEvento.INICIO:
                iniciado, inicio_tramo = True, momento
        elif tipo is TipoEvento.PAUSA and inicio_tramo is not None:
            tramos.append((inicio_tramo, momento))
            inicio_tramo = None
        elif tipo is TipoEvento.REANUDACION and inicio_tramo is None:
            inicio_tramo = momento
        elif tipo in (TipoEvento.FIN, TipoEvento.DESCARTE):
            if inicio_tramo is not None:
                tramos.append((inicio_tramo, momento))
            return _Recorrido(tuple(tramos), corriendo=False, fin=momento,
                              descartado=tipo is TipoEvento.DESCARTE)
    if not iniciado:
        return None
    if inicio_tramo is not None:
        tramos.append((inicio_tramo, ahora))
    return _Recorrido(tuple(tramos), corriendo=inicio_tramo is not None, fin=None)


def _alcanza(
    meta: timedelta,
    recorrido: _Recorrido,
    calendario: Calendario,
    ahora: datetime,
) -> datetime:
    """The instant the clock's working time reaches ``meta`` (see the module docstring)."""
    acumulado = _CERO
    for inicio, fin in recorrido.tramos:
        tramo = calendario.transcurrido(inicio, fin)
        if acumulado + tramo >= meta:
            return calendario.sumar(inicio, meta - acumulado)
        acumulado += tramo
    # Projecting from ahora equals projecting from the start of the current run, because sumar
    # returns the earliest instant and no working time is lost between that start and ahora.
    referencia = recorrido.fin if recorrido.fin is not None else ahora
    return calendario.sumar(referencia, meta - acumulado)


def calcular(
    eventos: Sequence[EventoReloj],
    *,
    objetivo: timedelta,
    calendario: Calendario,
    ahora: datetime,
    umbral_advertencia: float = 0.75,
) -> Figuras:
    """The clock's figures at ``ahora``."""
    if objetivo <= _CERO:
        raise ValueError("objetivo must be positive")
    if not 0 < umbral_advertencia <= 1:
        raise ValueError("umbral_advertencia must be in (0, 1]")
    _exigir_aware(ahora, "ahora")

    recorrido = _recorrer(eventos, ahora)
    if recorrido is None:
        return Figuras(
            estado=EstadoReloj.SIN_INICIAR,
            objetivo=objetivo,
            transcurrido=_CERO,
            restante=objetivo,
            fraccion=0.0,
            vence=None,
            advertencia_en=None,
            pausado=False,
            terminado_en=None,
            proximo_umbral=None,
        )

    transcurrido = sum(
        (calendario.transcurrido(inicio, fin) for inicio, fin in recorrido.tramos), _CERO
    )
    meta_advertencia = objetivo * umbral_advertencia
    vence = _alcanza(objetivo, recorrido, calendario, ahora)
    advertencia_en = _alcanza(meta_advertencia, recorrido, calendario, ahora)
    terminado = recorrido.fin is not None
    pausado = not terminado and not recorrido.corriendo

    if terminado and recorrido.descartado:
        estado = EstadoReloj.DESCARTADO
    elif terminado:
        estado = EstadoReloj.CUMPLIDO if transcurrido <= objetivo else EstadoReloj.INCUMPLIDO
    elif transcurrido >= objetivo:
        estado = EstadoReloj.INCUMPLIDO
    elif pausado:
        estado = EstadoReloj.PAUSADO
    elif transcurrido >= meta_advertencia:
        estado = EstadoReloj.ADVERTENCIA
    else:
        estado = EstadoReloj.OK

    proximo_umbral = None
    if recorrido.corriendo:
        if ahora < advertencia_en:
            proximo_umbral = advertencia_en
        elif ahora < vence:
            proximo_umbral = vence

    return Figuras(
        estado=estado,
        objetivo=objetivo,
        transcurrido=transcurrido,
        restante=objetivo - transcurrido,
        fraccion=transcurrido / objetivo,
        vence=vence,
        advertencia_en=advertencia_en,
        pausado=pausado,
        terminado_en=(
            recorrido.fin.astimezone(calendario.zona) if recorrido.fin is not None else None
        ),
        proximo_umbral=proximo_umbral,
    )
