"""How incidents drive their three SLA clocks (first response, containment, resolution).

The clock math lives in protocolos (pure functions + RelojSLA rows); this module only says
which incident events start, pause, resume or stop which clock, and keeps the incident's
denormalised ``vence_sla`` / ``estado_sla`` in step for the queue.

- First response (acuse) stops on the first CGII action the entity can see: leaving
  ``reportado`` or a message shared with the entity.
- Containment stops when the incident leaves containment forwards or ends.
- Resolution stops when the incident is resolved, rejected, marked duplicate or closed.
- Marking an incident duplicate stops every running clock as discarded (``DESCARTE``): the
  clocks read «descartado», never «cumplido», and reports count them as neither.
- Every running clock pauses in the policy's pausing states (waiting for the entity).
- Reopening turns the stop into a pause and resumes: time spent "resolved" does not count.
"""

from dataclasses import dataclass
from datetime import datetime

from protocolos import selectors as protocolos
from protocolos.models import Medida, RelojSLA
from protocolos.reloj import EstadoReloj, EventoReloj, TipoEvento
from protocolos.services import (
    figuras,
    reloj_cambiar_politica,
    reloj_evento,
    reloj_refrescar,
    relojes_guardar,
    relojes_preparar,
)

from .models import Incidente
from .states import Estado

AMBITO = "incidente"
MEDIDAS = (Medida.ACUSE, Medida.CONTENCION, Medida.RESOLUCION)
ESTADOS_FIN = {Estado.RESUELTO, Estado.CERRADO, Estado.RECHAZADO, Estado.DUPLICADO}
# Containment is over once the incident is past the containment phase.
PASADA_CONTENCION = {Estado.EN_ERRADICACION, Estado.EN_RECUPERACION} | ESTADOS_FIN
# Worst first: the incident shows the worst state among its clocks.
GRAVEDAD = [EstadoReloj.INCUMPLIDO, EstadoReloj.ADVERTENCIA, EstadoReloj.OK,
            EstadoReloj.PAUSADO, EstadoReloj.CUMPLIDO, EstadoReloj.DESCARTADO,
            EstadoReloj.SIN_INICIAR]
# Stops that a reopen (or unmarking a duplicate) turns back into a pause.
PARADAS = (TipoEvento.FIN, TipoEvento.DESCARTE)


def _relojes(incidente: Incidente) -> dict[str, RelojSLA]:
    qs = (RelojSLA.objects.select_for_update().select_related("politica__calendario")
          .filter(ambito=AMBITO, objeto_id=incidente.pk))
    return {r.medida: r for r in qs}


def _corriendo(reloj: RelojSLA) -> bool:
    return reloj.terminado_en is None and reloj.estado != EstadoReloj.PAUSADO


def _ultimo(reloj: RelojSLA) -> str | None:
    return reloj.eventos[-1]["tipo"] if reloj.eventos else None


def resumen_relojes(relojes) -> tuple[datetime | None, str]:
    """The queue's ``vence_sla`` (earliest running deadline) and ``estado_sla`` (worst)."""
    relojes = list(relojes)
    activos = [r.vence for r in relojes if r.vence and _corriendo(r)]
    estados = {r.estado for r in relojes}
    return (min(activos) if activos else None,
            next((e.value for e in GRAVEDAD if e.value in estados), ""))


def denormalizar(incidente: Incidente, relojes) -> None:
    incidente.vence_sla, incidente.estado_sla = resumen_relojes(relojes)
    Incidente.objects.filter(pk=incidente.pk).update(vence_sla=incidente.vence_sla,
                                                     estado_sla=incidente.estado_sla)


def preparar(*, prioridad: str, entidad_id: int, momento: datetime) -> list[RelojSLA]:
    """A new incident's three clocks, computed before its transaction (intake keeps the
    year's code counter locked from the code to the commit: nothing slow belongs there)."""
    return relojes_preparar(ambito=AMBITO, medidas=MEDIDAS, momento=momento,
                            politica=protocolos.politica_para(prioridad), entidad_id=entidad_id)


def iniciar(incidente: Incidente, *, relojes: list[RelojSLA]) -> None:
    """Store the prepared clocks; the incident was created with their ``resumen_relojes``."""
    relojes_guardar(relojes, objeto_id=incidente.pk)


def cambiar_prioridad(incidente: Incidente, *, momento: datetime) -> None:
    politica = protocolos.politica_para(incidente.prioridad)
    relojes = _relojes(incidente)
    for reloj in relojes.values():
        if reloj.terminado_en is None and reloj.politica_id != politica.pk:
            reloj_cambiar_politica(reloj, politica, momento)
    denormalizar(incidente, relojes.values())


def _detener(reloj: RelojSLA | None, momento: datetime,
             tipo: TipoEvento = TipoEvento.FIN) -> None:
    if reloj is not None and reloj.terminado_en is None:
        reloj_evento(reloj, tipo, momento)


def _reanudar_tras_fin(reloj: RelojSLA, momento: datetime) -> None:
    """Reopen: the stop becomes a pause, then the clock resumes."""
    eventos = [dict(e) for e in reloj.eventos]
    for e in reversed(eventos):
        if e["tipo"] in PARADAS:
            e["tipo"] = TipoEvento.PAUSA.value
            break
    reloj.eventos = eventos
    reloj_evento(reloj, TipoEvento.REANUDACION, momento)


# ---- what a state change does to the clocks: one row per effect ---------------------------

@dataclass(frozen=True)
class _Cambio:
    incidente: Incidente
    antes: str
    despues: str
    pausa: frozenset
    relojes: dict
    momento: datetime


def _reanudar_terminados(c: _Cambio) -> None:
    # reabrir / desmarcar duplicado: resolution (and containment if not reached) resume.
    for medida in (Medida.RESOLUCION, Medida.CONTENCION):
        reloj = c.relojes.get(medida)
        if reloj and reloj.terminado_en is not None and (
            medida == Medida.RESOLUCION or c.despues not in PASADA_CONTENCION
        ) and _ultimo(reloj) in PARADAS:
            _reanudar_tras_fin(reloj, c.momento)


def _parada(c: _Cambio) -> TipoEvento:
    # A duplicate's clocks are discarded (issue 18), not met: its work goes on in the master.
    return TipoEvento.DESCARTE if c.despues == Estado.DUPLICADO else TipoEvento.FIN


def _detener_acuse(c: _Cambio) -> None:
    _detener(c.relojes.get(Medida.ACUSE), c.momento, _parada(c))
    if c.incidente.primera_respuesta_en is None:
        c.incidente.primera_respuesta_en = c.momento
        Incidente.objects.filter(pk=c.incidente.pk).update(primera_respuesta_en=c.momento)


def _detener_contencion(c: _Cambio) -> None:
    _detener(c.relojes.get(Medida.CONTENCION), c.momento, _parada(c))


def _detener_todos(c: _Cambio) -> None:
    for reloj in c.relojes.values():
        _detener(reloj, c.momento, _parada(c))


def _pausar(c: _Cambio) -> None:
    for reloj in c.relojes.values():
        if _corriendo(reloj):
            reloj_evento(reloj, TipoEvento.PAUSA, c.momento)


def _reanudar_pausados(c: _Cambio) -> None:
    for reloj in c.relojes.values():
        if reloj.terminado_en is None and _ultimo(reloj) == TipoEvento.PAUSA:
            reloj_evento(reloj, TipoEvento.REANUDACION, c.momento)


# (when, effect), applied in this order. "Pause" is the SLA policy's pausing states.
EFECTOS_EN_RELOJES = (
    (lambda c: c.antes in ESTADOS_FIN and c.despues not in ESTADOS_FIN, _reanudar_terminados),
    (lambda c: c.antes == Estado.REPORTADO and c.despues != Estado.REPORTADO, _detener_acuse),
    (lambda c: c.despues in PASADA_CONTENCION, _detener_contencion),
    (lambda c: c.despues in ESTADOS_FIN, _detener_todos),
    (lambda c: c.despues not in ESTADOS_FIN and c.despues in c.pausa
     and c.antes not in c.pausa, _pausar),
    (lambda c: c.despues not in ESTADOS_FIN and c.antes in c.pausa
     and c.despues not in c.pausa, _reanudar_pausados),
)


def tras_transicion(incidente: Incidente, *, antes: str, actor, momento: datetime) -> None:
    """Apply ``EFECTOS_EN_RELOJES`` to the incident's clocks after a state change."""
    relojes = _relojes(incidente)
    if not relojes:
        return
    pausa = frozenset(next(iter(relojes.values())).politica.estados_pausa)
    cambio = _Cambio(incidente, antes, incidente.estado, pausa, relojes, momento)
    for aplica, efecto in EFECTOS_EN_RELOJES:
        if aplica(cambio):
            efecto(cambio)
    denormalizar(incidente, relojes.values())


def primera_respuesta(incidente: Incidente, *, momento: datetime) -> None:
    """A CGII message the entity can see is a first response."""
    if incidente.primera_respuesta_en is not None:
        return
    relojes = _relojes(incidente)
    _detener(relojes.get(Medida.ACUSE), momento)
    incidente.primera_respuesta_en = momento
    Incidente.objects.filter(pk=incidente.pk).update(primera_respuesta_en=momento)
    denormalizar(incidente, relojes.values())


def refrescar(incidente: Incidente, *, momento: datetime) -> None:
    relojes = _relojes(incidente)
    for reloj in relojes.values():
        reloj_refrescar(reloj, momento)
    denormalizar(incidente, relojes.values())


def figuras_de(incidentes_ids, *, ahora: datetime) -> dict[int, list[dict]]:
    """Live figures of many incidents' clocks in one query (detail views, API)."""
    relojes = (RelojSLA.objects.select_related("politica__calendario")
               .filter(ambito=AMBITO, objeto_id__in=list(incidentes_ids)).order_by("id"))
    return _figuras(relojes, ahora)


def figuras_del_incidente(incidente: Incidente, *, ahora: datetime) -> list[dict]:
    """One incident's figures; from the clocks its detail row brought along when it did
    (``selectors.incidente_detalle``), else one query."""
    relojes = getattr(incidente, "_relojes_cache", None)
    if relojes is None:
        return figuras_de([incidente.pk], ahora=ahora).get(incidente.pk, [])
    return _figuras(relojes, ahora).get(incidente.pk, [])


def _figuras(relojes, ahora: datetime) -> dict[int, list[dict]]:
    salida: dict[int, list[dict]] = {}
    for reloj in relojes:
        f = figuras(reloj, ahora)
        salida.setdefault(reloj.objeto_id, []).append({
            "metrica": reloj.medida,
            "etiqueta": str(Medida(reloj.medida).label),
            "estado": f.estado.value,
            "vence_en": f.vence,
            "advertencia_en": f.advertencia_en,
            "transcurrido_min": round(f.transcurrido.total_seconds() / 60, 1),
            "restante_min": round(f.restante.total_seconds() / 60, 1),
            "fraccion": round(f.fraccion, 3),
            "objetivo_min": reloj.objetivo_min,
            "pausado": f.pausado,
            "calendario": reloj.politica.calendario.nombre,
        })
    return salida


def advertencias_de(incidentes) -> dict[int, datetime]:
    """For each incident, the warning instant of the running clock that sets its deadline
    (``vence_sla``), read from the clocks' stored columns: the console's rows need nothing
    else (issue 22: the live figures of all 150 clocks of a page cost ~20 ms). The stored
    columns are what ``vence_sla`` itself was denormalised from, so the two always agree."""
    vence = {i.pk: i.vence_sla for i in incidentes if i.vence_sla}
    if not vence:
        return {}
    filas = (RelojSLA.objects.filter(ambito=AMBITO, objeto_id__in=list(vence),
                                     terminado_en__isnull=True, vence__isnull=False)
             .exclude(estado=EstadoReloj.PAUSADO)
             .values_list("objeto_id", "vence", "advertencia_en"))
    return {pk: aviso for pk, fin, aviso in filas if fin == vence[pk] and aviso}


__all__ = ["EventoReloj", "advertencias_de", "cambiar_prioridad", "figuras_de",
           "figuras_del_incidente", "iniciar", "primera_respuesta",
           "refrescar", "tras_transicion"]
