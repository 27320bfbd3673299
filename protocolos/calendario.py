"""The business calendar shared by SLA clocks and PISI deadlines.

A ``Calendario`` answers two kinds of question: how much *working time* lies between two
instants (``transcurrido``), and when a given amount of working time ends (``sumar``); plus the
same questions counted in whole working days. It is either continuous (24x7, every instant
counts) or a weekly window of working hours in a time zone, minus non-working dates.

All arithmetic is done on absolute (UTC) instants: each working day's window is built from local
wall-clock times and only then converted, so a DST shift shortens or lengthens that day's window
instead of silently shifting every later result. Nonexistent or ambiguous wall-clock times follow
``zoneinfo``'s ``fold=0`` rule. Loops advance one day at a time, never per minute; the working
time of whole days comes from running sums kept per calendar (``_acumulado``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

ZONA_LA_PAZ = "America/La_Paz"

# A calendar whose non-working dates swallow every day would loop forever; ten years without a
# single working day can only be a misconfiguration.
_MAX_DIAS_SIN_LABOR = 3660

_NOMBRE_EXTRA = "Día no laborable"
_CERO = timedelta(0)
_MICROSEGUNDO = timedelta(microseconds=1)


@lru_cache(maxsize=32)
def _feriados_nacionales(anio: int) -> Mapping[date, str]:
    # Module-level cache: national holidays are the same for every FeriadosBolivia, so building
    # one with different extras (e.g. per request) costs nothing after the first lookup.
    idioma = "es" if "es" in holidays.Bolivia.supported_languages else None
    return MappingProxyType(dict(holidays.country_holidays("BO", years=anio, language=idioma)))


class FeriadosBolivia:
    """Bolivia's national holidays (from ``holidays``, country "BO") plus administrator extras.

    National holidays are computed lazily per year; ``extras`` are additional non-working dates
    such as a holiday decreed at short notice.
    """

    def __init__(self, extras: Iterable[date] = ()):
        self.extras = frozenset(extras)

    def __contains__(self, dia: object) -> bool:
        if not isinstance(dia, date):
            return False
        return dia in self.extras or dia in _feriados_nacionales(dia.year)

    def nombre(self, dia: date) -> str | None:
        """The holiday's Spanish name, a generic label for an extra date, or None."""
        nacional = _feriados_nacionales(dia.year).get(dia)
        if nacional is not None:
            return nacional
        return _NOMBRE_EXTRA if dia in self.extras else None

    def __repr__(self) -> str:
        return f"FeriadosBolivia(extras={sorted(self.extras)!r})"


def _exigir_aware(momento: datetime, nombre: str) -> None:
    if momento.tzinfo is None or momento.utcoffset() is None:
        raise ValueError(f"{nombre} must be an aware datetime")


# eq=False: no_laborables may be any container (not necessarily hashable or comparable).
@dataclass(frozen=True, eq=False)
class Calendario:
    """Working-time arithmetic; build it with ``continuo_24x7()`` or ``laboral()``."""

    continuo: bool
    zona: ZoneInfo
    dias: frozenset[int]
    desde: time
    hasta: time
    no_laborables: Container[date]

    def __post_init__(self) -> None:
        if self.continuo:
            return
        if not self.dias or not self.dias <= frozenset(range(7)):
            raise ValueError("dias must be a non-empty subset of 0..6 (date.weekday())")
        if self.desde.tzinfo is not None or self.hasta.tzinfo is not None:
            raise ValueError("desde/hasta are local wall-clock times and must be naive")
        if not self.desde < self.hasta:
            raise ValueError("desde must be earlier than hasta (windows do not cross midnight)")

    @classmethod
    def continuo_24x7(cls, zona: str | ZoneInfo = ZONA_LA_PAZ) -> Calendario:
        return cls(
            continuo=True,
            zona=_zona(zona),
            dias=frozenset(range(7)),
            desde=time.min,
            hasta=time.max,
            no_laborables=frozenset(),
        )

    @classmethod
    def laboral(
        cls,
        *,
        zona: str | ZoneInfo = ZONA_LA_PAZ,
        dias: Iterable[int] = (0, 1, 2, 3, 4),
        desde: time = time(8, 30),
        hasta: time = time(16, 30),
        no_laborables: Container[date] | None = None,
    ) -> Calendario:
        return cls(
            continuo=False,
            zona=_zona(zona),
            dias=frozenset(dias),
            desde=desde,
            hasta=hasta,
            no_laborables=FeriadosBolivia() if no_laborables is None else no_laborables,
        )

    # -- days -----------------------------------------------------------------------------

    def es_dia_habil(self, dia: date) -> bool:
        if self.continuo:
            return True
        return dia.weekday() in self.dias and dia not in self.no_laborables

    def sumar_dias_habiles(self, dia: date, n: int) -> date:
        """The n-th working day after ``dia`` (``dia`` itself when n == 0)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if self.continuo:
            return dia + timedelta(days=n)
        sin_labor = 0
        while n > 0:
            dia += timedelta(days=1)
            if self.es_dia_habil(dia):
                n -= 1
                sin_labor = 0
            else:
                sin_labor = self._contar_dia_sin_labor(sin_labor)
        return dia

    def dias_habiles_entre(self, desde: date, hasta: date) -> int:
        """Working days in (desde, hasta]; 0 when hasta <= desde."""
        if hasta <= desde:
            return 0
        if self.continuo:
            return (hasta - desde).days
        return sum(
            1
            for k in range(1, (hasta - desde).days + 1)
            if self.es_dia_habil(desde + timedelta(days=k))
        )

    # -- instants -------------------------------------------------------------------------

    def transcurrido(self, desde: datetime, hasta: datetime) -> timedelta:
        """Working time between two aware instants (zero when hasta <= desde)."""
        _exigir_aware(desde, "desde")
        _exigir_aware(hasta, "hasta")
        # Subtracting aware datetimes that share a tzinfo ignores DST; UTC never does.
        inicio, fin = desde.astimezone(UTC), hasta.astimezone(UTC)
        if fin <= inicio:
            return _CERO
        if self.continuo:
            return fin - inicio
        dia, ultimo = self._dia_local(inicio), self._dia_local(fin)
        total = self._parte_del_dia(dia, inicio, fin)
        if ultimo > dia:
            total += self._parte_del_dia(ultimo, inicio, fin)
            # Whole days in between: a difference of running sums (issue 22: a clock open
            # for months was a loop of a few hundred days, ~0.2 ms, three times per clock
            # and 50 rows per console page).
            total += self._dias_completos(dia + timedelta(days=1), ultimo)
        return total

    def sumar(self, inicio: datetime, duracion: timedelta) -> datetime:
        """The earliest instant t >= inicio with exactly ``duracion`` working time in [inicio, t]."""
        _exigir_aware(inicio, "inicio")
        if duracion < _CERO:
            raise ValueError("duracion must not be negative")
        momento = inicio.astimezone(UTC)
        if self.continuo or duracion == _CERO:
            return (momento + duracion).astimezone(self.zona)
        restante = duracion
        dia = self._dia_local(momento)
        sin_labor = 0
        while True:
            ventana = self._ventana(dia)
            if ventana is None:
                sin_labor = self._contar_dia_sin_labor(sin_labor)
            else:
                sin_labor = 0
                comienzo = max(momento, ventana[0])
                disponible = ventana[1] - comienzo
                if disponible > _CERO:
                    if restante <= disponible:
                        return (comienzo + restante).astimezone(self.zona)
                    restante -= disponible
            dia += timedelta(days=1)

    # -- internals ------------------------------------------------------------------------

    def _parte_del_dia(self, dia: date, inicio: datetime, fin: datetime) -> timedelta:
        ventana = self._ventana(dia)
        if ventana is None:
            return _CERO
        return max(_CERO, min(fin, ventana[1]) - max(inicio, ventana[0]))

    def _dias_completos(self, primero: date, tope: date) -> timedelta:
        """Working time of the whole days from ``primero`` up to ``tope`` (excluded): the
        difference of two running sums from the memo's first day. The memo covers a year
        either side of what was asked and grows by whole years; a calendar is immutable
        (``protocolos.selectors.calendario`` builds a new one when its rows change), so it
        never goes stale. Both sums are read from one memo (a grown memo has another first
        day), and it is replaced, never mutated, so another thread sees either memo whole."""
        memo = self.__dict__.get("_memo")
        if memo is None or primero < memo[0] or (tope - memo[0]).days >= len(memo[1]):
            un_anio = timedelta(days=366)
            origen, hasta = primero - un_anio, tope + un_anio
            if memo is not None:
                origen = min(origen, memo[0])
                hasta = max(hasta, memo[0] + timedelta(days=len(memo[1])))
            sumas, acumulado, d = [0], 0, origen
            while d < hasta:
                ventana = self._ventana(d)
                if ventana is not None:
                    acumulado += (ventana[1] - ventana[0]) // _MICROSEGUNDO
                sumas.append(acumulado)
                d += timedelta(days=1)
            memo = (origen, tuple(sumas))
            object.__setattr__(self, "_memo", memo)
        origen, sumas = memo
        return timedelta(microseconds=sumas[(tope - origen).days]
                         - sumas[(primero - origen).days])

    def _dia_local(self, momento: datetime) -> date:
        return momento.astimezone(self.zona).date()

    def _ventana(self, dia: date) -> tuple[datetime, datetime] | None:
        """The day's working window as UTC instants, or None when nothing of it can be worked."""
        if not self.es_dia_habil(dia):
            return None
        abre = datetime.combine(dia, self.desde, tzinfo=self.zona).astimezone(UTC)
        cierra = datetime.combine(dia, self.hasta, tzinfo=self.zona).astimezone(UTC)
        # A window inside a DST gap collapses to nothing.
        return (abre, cierra) if cierra > abre else None

    @staticmethod
    def _contar_dia_sin_labor(consecutivos: int) -> int:
        consecutivos += 1
        if consecutivos > _MAX_DIAS_SIN_LABOR:
            raise ValueError("the calendar has no working day in ten years")
        return consecutivos


def _zona(zona: str | ZoneInfo) -> ZoneInfo:
    return zona if isinstance(zona, ZoneInfo) else ZoneInfo(zona)
