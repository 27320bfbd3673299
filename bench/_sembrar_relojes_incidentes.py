"""SLA clocks for the incidents seeded by _sembrar_incidentes (bench/reportes.py): the three
clocks of ámbito "incidente" (acuse, contención, resolución) per incident, with events
consistent with its state and dates, as incidentes/sla.py would have written them:

- every clock starts at the report (``creado``), on the policy of the incident's priority;
- acuse stops at ``primera_respuesta_en``; contención stops a few hours after the first
  response (median 2.5 h, long tail; not after the resolution) once the incident is past
  containment (when rejected / duplicate: with the resolution); resolución stops at ``resuelto_en`` (resolved / closed) or when rejected or
  marked duplicate;
- incidents waiting on the entity have every running clock paused; about 15 % of the others
  waited once in the past (pause + resume);
- figures (state, deadline, warning, stop, next threshold) from the real pure clock
  (``protocolos.reloj.calcular``) at the seeding instant, and the crossings the monitor would
  have recorded by then (``CruceSLA`` advertencia / incumplimiento at the exact threshold,
  detected a few seconds later, escalated as the policy says; about half of the breaches
  carry a ``motivo``). So no clock is due at the seeding instant: later sweeps
  (bench/sla_sweep.py) only find those whose threshold falls after it.
- the incidents' denormalised ``vence_sla`` / ``estado_sla`` are recomputed from the clocks
  as ``incidentes.sla.denormalizar`` does.

``borrar``: clocks of ámbito "incidente" and, by cascade, their crossings.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from _copia import copiar, reservar_ids
from django.db import connection
from django.db.models import F
from django.utils import timezone

from incidentes.models import Incidente
from incidentes.sla import GRAVEDAD, MEDIDAS, PASADA_CONTENCION
from incidentes.states import Estado
from protocolos import selectors
from protocolos.models import CruceSLA, Medida, PoliticaSLA, RelojSLA, TipoCruce
from protocolos.reloj import EstadoReloj, EventoReloj, TipoEvento, calcular

# Bumped when the generated data changes: bench/reportes.py reseeds a seed of another version.
VERSION = 2
AMBITO = "incidente"
LOTE = 10_000
FIN_RESOLUCION = {Estado.RESUELTO, Estado.CERRADO, Estado.RECHAZADO, Estado.DUPLICADO}
MOTIVOS = ("La entidad tardó en entregar los registros solicitados.",
           "Incidente reportado fuera de horario; el analista de turno estaba en un P1.",
           "Se esperó al proveedor del sistema afectado.",
           "Contención dependía de un corte de servicio autorizado por la MAE.",
           "Volumen alto de reportes durante la campaña de phishing.")


def borrar() -> int:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM protocolos_crucesla WHERE reloj_id IN "
                       "(SELECT id FROM protocolos_relojsla WHERE ambito = %s)", [AMBITO])
        cursor.execute("DELETE FROM protocolos_relojsla WHERE ambito = %s", [AMBITO])
        return cursor.rowcount


class _Generador:
    def __init__(self, *, ahora: datetime, semilla: int):
        self.rng = random.Random(semilla)
        self.ahora = ahora
        self.politicas = {p.prioridad: p for p in PoliticaSLA.objects.select_related("calendario")}
        self.calendarios = {k: selectors.calendario_de(p) for k, p in self.politicas.items()}

    def _entre(self, a: datetime, b: datetime, desde: float, hasta: float) -> datetime:
        return a + (b - a) * self.rng.uniform(desde, hasta)

    def _contenido(self, respuesta: datetime) -> datetime:
        """Contained a few hours after the first response (median 2.5 h, long tail)."""
        return respuesta + timedelta(hours=self.rng.lognormvariate(math.log(2.5), 0.9))

    def eventos(self, inc) -> dict[str, list[EventoReloj]]:
        """The three clocks' events of one incident (columns of a values_list row)."""
        rng, ahora = self.rng, self.ahora
        estado, creado = inc["estado"], inc["creado"]
        # Seeded dates may lie a little ahead of the seeding instant (recent incidents).
        primera = inc["primera"] and min(inc["primera"], ahora)
        resuelto = inc["resuelto"] and min(inc["resuelto"], ahora)
        respuesta = primera or creado
        fines: dict[str, datetime | None] = {m: None for m in MEDIDAS}
        fines[Medida.ACUSE] = primera
        if estado in FIN_RESOLUCION:
            fin = resuelto or min(self._entre(respuesta, respuesta + timedelta(days=1), 0.05, 1),
                                  ahora)
            fines[Medida.RESOLUCION] = fin
            fines[Medida.CONTENCION] = (min(self._contenido(respuesta), fin)
                                        if estado in (Estado.RESUELTO, Estado.CERRADO) else fin)
            if fines[Medida.ACUSE] is None:
                fines[Medida.ACUSE] = fin
        elif estado in PASADA_CONTENCION:
            fines[Medida.CONTENCION] = min(self._contenido(respuesta), ahora)
        eventos = {m: [EventoReloj(TipoEvento.INICIO, creado)] for m in MEDIDAS}
        final = fines[Medida.RESOLUCION] or ahora
        # A past wait on the entity (pause + resume), or the current one.
        espera = None
        if estado == Estado.EN_ESPERA_ENTIDAD:
            espera = (self._entre(respuesta, ahora, 0.3, 0.95), None)
        elif rng.random() < 0.15 and final - respuesta > timedelta(minutes=30):
            pausa = self._entre(respuesta, final, 0.1, 0.6)
            espera = (pausa, self._entre(pausa, final, 0.2, 0.9))
        for medida in MEDIDAS:
            fin = fines[medida]
            if espera and (fin is None or fin > espera[0]):
                eventos[medida].append(EventoReloj(TipoEvento.PAUSA, espera[0]))
                if espera[1] is not None and (fin is None or fin > espera[1]):
                    eventos[medida].append(EventoReloj(TipoEvento.REANUDACION, espera[1]))
            if fin is not None:
                eventos[medida].append(EventoReloj(TipoEvento.FIN, fin))
        return eventos

    def relojes(self, inc) -> list[RelojSLA]:
        politica = self.politicas[inc["prioridad"]]
        filas = []
        for medida, eventos in self.eventos(inc).items():
            objetivo_min = politica.objetivo_min(medida)
            f = calcular(eventos, objetivo=timedelta(minutes=objetivo_min),
                         calendario=self.calendarios[politica.prioridad], ahora=self.ahora,
                         umbral_advertencia=float(politica.umbral_advertencia))
            reloj = RelojSLA(ambito=AMBITO, objeto_id=inc["id"], entidad_id=inc["entidad_id"],
                             medida=medida, politica=politica, objetivo_min=objetivo_min,
                             eventos=[e.a_dict() for e in eventos], estado=f.estado.value,
                             vence=f.vence, advertencia_en=f.advertencia_en,
                             terminado_en=f.terminado_en, proximo_umbral=f.proximo_umbral,
                             actualizado=max(e.momento for e in eventos))
            reloj._cruces = self.cruces(politica, f)
            filas.append(reloj)
        return filas

    def cruces(self, politica, f) -> list[CruceSLA]:
        """The crossings a sweep every minute would have recorded before now."""
        rng = self.rng
        hasta = f.terminado_en or self.ahora
        salida = []
        if f.advertencia_en and f.advertencia_en < hasta:
            salida.append(CruceSLA(tipo=TipoCruce.ADVERTENCIA, umbral=f.advertencia_en,
                                   escalado_a=list(politica.escalar_advertencia)))
        if f.estado == EstadoReloj.INCUMPLIDO and f.vence and f.vence < hasta:
            salida.append(CruceSLA(tipo=TipoCruce.INCUMPLIMIENTO, umbral=f.vence,
                                   escalado_a=list(politica.escalar_incumplimiento),
                                   motivo=rng.choice(MOTIVOS) if rng.random() < 0.5 else ""))
        for cruce in salida:
            cruce.detectado_en = min(cruce.umbral + timedelta(seconds=rng.uniform(5, 60)),
                                     self.ahora)
        return salida


def _denormalizar(relojes: list[RelojSLA]) -> list[tuple[int, datetime | None, str]]:
    """(incident id, vence_sla, estado_sla) as incidentes.sla.denormalizar computes them."""
    por_incidente: dict[int, list[RelojSLA]] = {}
    for r in relojes:
        por_incidente.setdefault(r.objeto_id, []).append(r)
    salida = []
    for pk, rs in por_incidente.items():
        activos = [r.vence for r in rs if r.vence and r.terminado_en is None
                   and r.estado != EstadoReloj.PAUSADO]
        estados = {r.estado for r in rs}
        salida.append((pk, min(activos) if activos else None,
                       next((e.value for e in GRAVEDAD if e.value in estados), "")))
    return salida


def _actualizar_incidentes(filas) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_sla_inc (id bigint, vence timestamptz, "
                       "estado text)")
        with cursor.cursor.copy("COPY bench_sla_inc (id, vence, estado) FROM STDIN") as copia:
            for fila in filas:
                copia.write_row(fila)
        cursor.execute("UPDATE incidentes_incidente i SET vence_sla = t.vence, estado_sla = t.estado "
                       "FROM bench_sla_inc t WHERE t.id = i.id")
        cursor.execute("DROP TABLE bench_sla_inc")


def sembrar(*, ahora: datetime | None = None, semilla: int = 2514, progreso=print,
            filtro: dict | None = None) -> dict:
    """Clocks and crossings for every incident (or those matching ``filtro``, lookups of
    ``Incidente.objects.filter``), in batches of LOTE incidents."""
    ahora = ahora or timezone.now()
    gen = _Generador(ahora=ahora, semilla=semilla)
    campos = ("id", "estado", "creado", "prioridad", "entidad_id")
    cuentas = {"relojes": 0, "cruces": 0, "incumplimientos": 0, "con_motivo": 0}
    ultimo = 0
    while True:
        lote = list(Incidente.objects.filter(pk__gt=ultimo, **(filtro or {})).order_by("pk").values(
            *campos, primera=F("primera_respuesta_en"), resuelto=F("resuelto_en"))[:LOTE])
        if not lote:
            break
        ultimo = lote[-1]["id"]
        relojes = [r for inc in lote for r in gen.relojes(inc)]
        reservar_ids(RelojSLA, relojes)
        copiar(RelojSLA, relojes, con_id=True)
        cruces = []
        for r in relojes:
            for c in r._cruces:
                c.reloj_id = r.pk
                cruces.append(c)
        copiar(CruceSLA, cruces)
        _actualizar_incidentes(_denormalizar(relojes))
        cuentas["relojes"] += len(relojes)
        cuentas["cruces"] += len(cruces)
        incumplimientos = [c for c in cruces if c.tipo == TipoCruce.INCUMPLIMIENTO]
        cuentas["incumplimientos"] += len(incumplimientos)
        cuentas["con_motivo"] += sum(bool(c.motivo) for c in incumplimientos)
        if len(lote) < LOTE or (cuentas["relojes"] // 3) % 20_000 == 0:
            progreso(f"  {cuentas['relojes']:,} clocks, {cuentas['cruces']:,} crossings")
    return cuentas

