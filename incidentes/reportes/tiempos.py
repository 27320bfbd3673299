"""Mean times of stopped SLA clocks (MTTA / MTTC / MTTR) in wall and working time, in one
lean pass: the calendar's working windows become a per-day prefix-sum table, so the working
time between two instants is two lookups instead of a loop over days."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter

from django.utils import timezone

from cgii.bd.replica import conexion_lectura
from protocolos import selectors as protocolos
from protocolos.calendario import Calendario
from protocolos.models import PoliticaSLA


@dataclass
class Tiempo:
    """Mean time to stop one kind of clock (acuse = MTTA, resolucion = MTTR), in hours."""

    medida: str
    n: int = 0
    pared_horas: float | None = None
    laboral_horas: float | None = None


class Acumulado:
    """Working seconds from a base day to an instant (epoch seconds), on one calendar, for
    instants inside a known range of days: ``transcurrido(a, b) == W(b) - W(a)``. Built from
    the calendar's own days, hours and holidays (``es_dia_habil``, ``desde``/``hasta``,
    ``zona``), so it agrees with ``Calendario.transcurrido`` (tested), which it falls back to
    outside the range. O(log days) per instant instead of a loop over days."""

    def __init__(self, calendario: Calendario, primero: date, ultimo: date):
        self.cal = calendario
        self.inicios: list[float] = []  # local midnight of each day, epoch seconds
        self.ventanas: list[tuple[float, float] | None] = []
        self.acum: list[float] = [0.0]
        if calendario.continuo:
            return
        zona_cal = calendario.zona
        dia = primero
        while dia <= ultimo:
            self.inicios.append(datetime.combine(dia, time.min, tzinfo=zona_cal).timestamp())
            ventana = None
            if calendario.es_dia_habil(dia):
                abre = datetime.combine(dia, calendario.desde, tzinfo=zona_cal).timestamp()
                cierra = datetime.combine(dia, calendario.hasta, tzinfo=zona_cal).timestamp()
                ventana = (abre, cierra) if cierra > abre else None
            self.ventanas.append(ventana)
            self.acum.append(self.acum[-1] + (ventana[1] - ventana[0] if ventana else 0.0))
            dia += timedelta(days=1)
        self.inicios.append(datetime.combine(dia, time.min, tzinfo=zona_cal).timestamp())

    def _w(self, ts: float) -> float | None:
        k = bisect_right(self.inicios, ts) - 1
        if not 0 <= k < len(self.ventanas):
            return None
        ventana = self.ventanas[k]
        if ventana is None:
            return self.acum[k]
        return self.acum[k] + min(max(ts - ventana[0], 0.0), ventana[1] - ventana[0])

    def segundos(self, a: float, b: float) -> float:
        """Working seconds between two instants given as epoch seconds."""
        if b <= a:
            return 0.0
        if self.cal.continuo:
            return b - a
        wa, wb = self._w(a), self._w(b)
        if wa is None or wb is None:
            return self.cal.transcurrido(datetime.fromtimestamp(a, UTC),
                                         datetime.fromtimestamp(b, UTC)).total_seconds()
        return wb - wa


def tramos(eventos: list[dict]) -> tuple[float | None, float | None,
                                          list[tuple[float, float]]]:
    """(start, stop, runs) of a clock in epoch seconds, replayed like ``protocolos.reloj``
    (stable sort by instant; redundant or out-of-order events ignored)."""
    evs = sorted(((datetime.fromisoformat(e["momento"]).timestamp(), e["tipo"])
                  for e in eventos), key=itemgetter(0))
    inicio = abierto = None
    tramos = []
    for momento, tipo in evs:
        if inicio is None:
            if tipo == "inicio":
                inicio = abierto = momento
        elif tipo == "pausa" and abierto is not None:
            tramos.append((abierto, momento))
            abierto = None
        elif tipo == "reanudacion" and abierto is None:
            abierto = momento
        elif tipo == "fin":
            if abierto is not None:
                tramos.append((abierto, momento))
            return inicio, momento, tramos
    return inicio, None, tramos


# ---- the figures -------------------------------------------------------------------------

def _laboral(acc: Acumulado, eventos) -> float:
    """Working seconds of a stopped clock's runs (0 if its events never start or stop)."""
    inicio, parada, corridas = tramos(json.loads(eventos) if isinstance(eventos, str)
                                      else eventos)
    if inicio is None or parada is None:
        return 0.0
    return sum(acc.segundos(a, b) for a, b in corridas)


def tiempos_medios(sql: str, params: list, *, base: dict[str, list[float]],
                   politicas: dict[int, PoliticaSLA], medidas, desde: date,
                   corte: datetime) -> dict[str, Tiempo]:
    """Mean wall and working time per measure. ``base[medida]`` = [stopped clocks, wall
    seconds, working seconds already known] (summed in SQL); the rows of ``sql`` — (medida,
    politica_id, start epoch, stop epoch, events or NULL; events only for clocks with more
    than a start and a stop) — add the working time SQL could not compute. One pass, fetched
    in batches."""
    calendarios: dict[int, Acumulado] = {}
    primero = desde - timedelta(days=1)
    ultimo = timezone.localtime(corte).date() + timedelta(days=1)

    def acumulado(politica_id: int) -> Acumulado:
        acc = calendarios.get(politica_id)
        if acc is None:
            cal = protocolos.calendario_de(politicas[politica_id])
            # Policies sharing a calendar share its table.
            acc = next((a for a in calendarios.values() if a.cal is cal), None) \
                or Acumulado(cal, primero, ultimo)
            calendarios[politica_id] = acc
        return acc

    laboral: dict[str, float] = defaultdict(float)
    with conexion_lectura().cursor() as cursor:  # the replica inside leer_de_replica
        cursor.execute(sql, params)
        while lote := cursor.fetchmany(5000):
            for medida, politica_id, inicio, parada, eventos in lote:
                acc = acumulado(politica_id)
                if eventos is not None:
                    laboral[medida] += _laboral(acc, eventos)
                elif inicio is not None and parada is not None:  # one run (most clocks)
                    laboral[medida] += acc.segundos(float(inicio), float(parada))
    salida = {}
    for medida in medidas:
        n, pared, conocido = base.get(medida, (0, 0.0, 0.0))
        trabajado = conocido + laboral.get(medida, 0.0)
        salida[medida] = Tiempo(medida=medida, n=int(n),
                                pared_horas=round(pared / n / 3600, 2) if n else None,
                                laboral_horas=round(trabajado / n / 3600, 2) if n else None)
    return salida
