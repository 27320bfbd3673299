"""Synthetic SLA clocks for bench/sla_sweep.py: N objects × 3 clocks, bulk-inserted.

Every clock gets plausible events (start spread over the last 30 days, pauses, stops) and
its stored figures are computed by the real pure clock (``protocolos.reloj.calcular``) as of
the *last sweep*, one minute before the reference instant T. So, as in production, the
clocks due at T are exactly those whose warning or deadline fell in that last minute:
a couple of hundred forced ones plus whatever falls there naturally. Most clocks have a
threshold still ahead; paused, stopped and already-reported overdue clocks have none.

The ámbito is "bench", for which no crossing handler is registered, so the sweep only
records crossings (incidents are not touched).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from protocolos import selectors
from protocolos.models import Medida, PoliticaSLA, RelojSLA
from protocolos.reloj import EventoReloj, TipoEvento, calcular

AMBITO = "bench"
MEDIDAS = (Medida.ACUSE, Medida.CONTENCION, Medida.RESOLUCION)
LOTE = 5000
VENTANA_BARRIDO = timedelta(seconds=60)  # the monitor sweeps every 30–60 s
DIAS = 30
ENTIDADES = 30
# Share of P1..P4 among open incidents.
PRIORIDADES = (("P1", 0.15), ("P2", 0.25), ("P3", 0.35), ("P4", 0.25))
CONTINUAS = ("P1", "P2")  # 24×7 calendars: easy to place a threshold at an exact instant


def borrar() -> int:
    """Clocks of this ámbito and (by cascade in the database) their crossings."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM protocolos_crucesla WHERE reloj_id IN "
            "(SELECT id FROM protocolos_relojsla WHERE ambito = %s)", [AMBITO])
        cursor.execute("DELETE FROM protocolos_relojsla WHERE ambito = %s", [AMBITO])
        return cursor.rowcount


class _Generador:
    def __init__(self, *, referencia: datetime, semilla: int):
        self.rng = random.Random(semilla)
        self.referencia = referencia
        self.ultimo_barrido = referencia - VENTANA_BARRIDO
        self.politicas = {p.prioridad: p for p in PoliticaSLA.objects.select_related("calendario")}
        self.calendarios = {k: selectors.calendario_de(p) for k, p in self.politicas.items()}

    def _prioridad(self) -> str:
        return self.rng.choices([p for p, _ in PRIORIDADES], [w for _, w in PRIORIDADES])[0]

    def _inicio(self) -> datetime:
        return self.referencia - timedelta(days=self.rng.uniform(0, DIAS))

    def _eventos_normales(self, escenario: str, medida: str, objetivo: timedelta,
                          inicio: datetime) -> list[EventoReloj]:
        rng = self.rng
        primer_tramo = objetivo * rng.uniform(0.0, 0.05)
        eventos = [EventoReloj(TipoEvento.INICIO, inicio)]
        if escenario == "resuelto" or (escenario == "en_curso" and (
                (medida == Medida.ACUSE and rng.random() < 0.4)
                or (medida == Medida.CONTENCION and rng.random() < 0.2))):
            fin = inicio + objetivo * rng.uniform(0.1, 1.2)
            eventos.append(EventoReloj(TipoEvento.FIN, min(fin, self.ultimo_barrido)))
        elif escenario == "en_espera":
            eventos.append(EventoReloj(TipoEvento.PAUSA, inicio + primer_tramo))
        elif escenario == "en_curso":
            # Waited on the entity most of the time, resumed recently: wall time since the
            # resume is below the target, so the next threshold is (mostly) still ahead.
            reanudacion = self.referencia - objetivo * rng.uniform(0.0, 0.9)
            if reanudacion > inicio + primer_tramo:
                eventos += [EventoReloj(TipoEvento.PAUSA, inicio + primer_tramo),
                            EventoReloj(TipoEvento.REANUDACION, reanudacion)]
        # "vencido": only the start; its breach was reported by an earlier sweep.
        return eventos

    def _eventos_vencidos(self, objetivo: timedelta, fraccion: float) -> list[EventoReloj]:
        """A clock whose warning (fraccion 0.75) or deadline (1.0) fell in the last minute."""
        umbral = self.referencia - VENTANA_BARRIDO * self.rng.uniform(0.0, 0.98)
        primer_tramo = objetivo * self.rng.uniform(0.01, 0.1)
        reanudacion = umbral - (objetivo * fraccion - primer_tramo)
        inicio = min(self._inicio(), reanudacion - primer_tramo - timedelta(minutes=1))
        return [EventoReloj(TipoEvento.INICIO, inicio),
                EventoReloj(TipoEvento.PAUSA, inicio + primer_tramo),
                EventoReloj(TipoEvento.REANUDACION, reanudacion)]

    def _fila(self, objeto_id: int, entidad_id: int, prioridad: str, medida: str,
              eventos: list[EventoReloj]) -> RelojSLA:
        politica = self.politicas[prioridad]
        objetivo_min = politica.objetivo_min(medida)
        # Figures as the last write left them: at the last sweep, or at the clock's own last
        # event when that came later (a resume after the sweep recomputed the row).
        ahora = max(self.ultimo_barrido, max(e.momento for e in eventos))
        f = calcular(eventos, objetivo=timedelta(minutes=objetivo_min),
                     calendario=self.calendarios[prioridad], ahora=ahora,
                     umbral_advertencia=float(politica.umbral_advertencia))
        return RelojSLA(
            ambito=AMBITO, objeto_id=objeto_id, entidad_id=entidad_id, medida=medida,
            politica=politica, objetivo_min=objetivo_min,
            eventos=[e.a_dict() for e in eventos], estado=f.estado.value, vence=f.vence,
            advertencia_en=f.advertencia_en, terminado_en=f.terminado_en,
            proximo_umbral=f.proximo_umbral,
        )

    def filas_de(self, objeto_id: int, forzar_vencido: bool) -> list[RelojSLA]:
        rng = self.rng
        entidad_id = rng.randint(1, ENTIDADES)
        prioridad = rng.choice(CONTINUAS) if forzar_vencido else self._prioridad()
        escenario = rng.choices(["en_curso", "en_espera", "resuelto", "vencido"],
                                [0.80, 0.10, 0.07, 0.03])[0]
        medida_vencida = rng.choice(MEDIDAS) if forzar_vencido else None
        inicio = self._inicio()
        filas = []
        for medida in MEDIDAS:
            objetivo = timedelta(minutes=self.politicas[prioridad].objetivo_min(medida))
            if medida == medida_vencida:
                # Two in three cross their warning, one in three its deadline.
                eventos = self._eventos_vencidos(objetivo, rng.choice((0.75, 0.75, 1.0)))
            else:
                eventos = self._eventos_normales(escenario, medida, objetivo, inicio)
            filas.append(self._fila(objeto_id, entidad_id, prioridad, medida, eventos))
        return filas


def sembrar(n: int, *, referencia: datetime, vencidos: int = 200, semilla: int = 2514,
            progreso=print) -> int:
    """Insert ``n`` objects × 3 clocks in batches of LOTE; returns the rows inserted."""
    gen = _Generador(referencia=referencia, semilla=semilla)
    forzados = set(gen.rng.sample(range(1, n + 1), min(vencidos, n)))
    lote: list[RelojSLA] = []
    total = 0
    for objeto_id in range(1, n + 1):
        lote += gen.filas_de(objeto_id, objeto_id in forzados)
        if len(lote) >= LOTE or objeto_id == n:
            RelojSLA.objects.bulk_create(lote, batch_size=LOTE)
            antes, total = total, total + len(lote)
            lote = []
            if total // 50_000 != antes // 50_000 or objeto_id == n:
                progreso(f"  {total:,} clocks inserted")
    return total
