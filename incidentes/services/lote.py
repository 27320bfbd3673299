"""Bulk actions of the console and the incident list (issue 18).

``incidentes_en_lote`` is a loop over the *same* per-incident services the one-incident pages
call (assign, priority, label, transitions): every rule, timeline row, audit row and outbox
event is theirs. Each incident runs in its own savepoint, so one refusal (a lost race, an FSM
condition, a permission) leaves the others done, and the caller gets one result per row with
the refusal's Spanish reason. One request, not N; a fixed number of queries per row.
"""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.selectors import tiene_rol_cgii
from cgii.errores import (
    ErrorDominio,
    ErrorValidacion,
    NoEncontrado,
    PermisoDenegado,
    texto_error,
)

from ..selectors import incidentes_visibles
from ..states import Transicion
from .ciclo import incidente_asignar, incidente_transicionar
from .comun import exigir_gestion
from .triaje import PRIORIDADES, incidente_etiquetar, incidente_fijar_prioridad, normalizar_etiqueta

MAX_LOTE = 500

ACCIONES_LOTE = {
    "tomar": gettext_lazy("Tomar"),
    "asignar": gettext_lazy("Asignar"),
    "prioridad": gettext_lazy("Cambiar prioridad"),
    "etiqueta": gettext_lazy("Añadir etiqueta"),
    "duplicado": gettext_lazy("Marcar duplicado de…"),
    "falso_positivo": gettext_lazy("Cerrar como falso positivo"),
}


@dataclass(frozen=True)
class ResultadoFila:
    id: int
    codigo: str
    ok: bool
    mensaje: str

    def como_dict(self) -> dict:
        return asdict(self)


def _validar(accion: str, *, analista_id, prioridad, etiqueta, maestro, motivo) -> dict:
    """The parameters of the action, checked once (a wrong one is a 400 for the request,
    not the same refusal repeated on every row)."""
    if accion not in ACCIONES_LOTE:
        raise ErrorValidacion(extra={"accion": [_("Acción en lote desconocida.")]})
    errores = {}
    if accion == "prioridad":
        if prioridad not in PRIORIDADES:
            errores["prioridad"] = [_("Prioridad no válida (P1 a P4).")]
        if not motivo:
            errores["motivo"] = [_("Indique el motivo para fijar la prioridad a mano.")]
    elif accion == "etiqueta":
        try:
            etiqueta = normalizar_etiqueta(etiqueta or "")
        except ErrorValidacion as exc:
            errores.update(exc.extra)
    elif accion == "duplicado" and not str(maestro or "").strip():
        errores["maestro"] = [_("Indique el código del incidente maestro.")]
    elif accion == "falso_positivo" and not motivo:
        errores["motivo"] = [_("Indique por qué es un falso positivo.")]
    if errores:
        raise ErrorValidacion(extra=errores)
    return {"analista_id": analista_id, "prioridad": prioridad, "etiqueta": etiqueta,
            "maestro": str(maestro or "").strip(), "motivo": motivo}


def _ejecutar_una(actor, accion: str, pk: int, p: dict) -> str:
    """One incident through its own service; returns the success text."""
    if accion == "tomar":
        incidente_asignar(actor=actor, incidente_id=pk, analista_id=actor.pk)
        return _("Asignado a usted.")
    if accion == "asignar":
        incidente_asignar(actor=actor, incidente_id=pk, analista_id=p["analista_id"])
        return _("Asignación actualizada.")
    if accion == "prioridad":
        incidente_fijar_prioridad(actor=actor, incidente_id=pk, prioridad=p["prioridad"],
                                  motivo=p["motivo"])
        return _("Prioridad %(p)s.") % {"p": p["prioridad"]}
    if accion == "etiqueta":
        incidente_etiquetar(actor=actor, incidente_id=pk, etiqueta=p["etiqueta"])
        return _("Etiqueta «%(e)s».") % {"e": p["etiqueta"]}
    if accion == "duplicado":
        incidente_transicionar(actor=actor, incidente_id=pk,
                               transicion=Transicion.MARCAR_DUPLICADO,
                               comentario=p["motivo"], datos={"maestro_id": p["maestro"]})
        return _("Duplicado de %(m)s.") % {"m": p["maestro"].upper()}
    # falso_positivo: the rejection with its reason (FSM: only before analysis).
    incidente_transicionar(actor=actor, incidente_id=pk, transicion=Transicion.RECHAZAR,
                           comentario=p["motivo"],
                           datos={"motivo_rechazo": _("Falso positivo: %(m)s") % {
                               "m": p["motivo"]}})
    return _("Cerrado como falso positivo.")


def incidentes_en_lote(*, actor, ids: list[int], accion: str, analista_id: int | None = None,
                       prioridad: str | None = None, etiqueta: str | None = None,
                       maestro: str | int | None = None, motivo: str = "") -> list[ResultadoFila]:
    """Apply ``accion`` to each incident of ``ids`` (in the given order, duplicates once)."""
    exigir_gestion(actor)  # entity users: none of these staff actions, not even one row
    motivo = (motivo or "").strip()
    if accion == "asignar" and analista_id != actor.pk and not tiene_rol_cgii(
            actor, "coordinador", "administrador"):
        # The service says the same per row; said once here the page shows one reason.
        raise PermisoDenegado(_("Solo un coordinador puede asignar a otra persona."))
    parametros = _validar(accion, analista_id=analista_id, prioridad=prioridad,
                          etiqueta=etiqueta, maestro=maestro, motivo=motivo)
    unicos = list(dict.fromkeys(int(i) for i in ids))
    if not unicos:
        raise ErrorValidacion(extra={"ids": [_("Seleccione al menos un incidente.")]})
    if len(unicos) > MAX_LOTE:
        raise ErrorValidacion(extra={"ids": [
            _("Máximo %(n)d incidentes por acción en lote.") % {"n": MAX_LOTE}]})
    # One read for the codes, through the tenant-scoped selector: an id the actor cannot
    # see is "no encontrado", exactly like the one-incident pages.
    codigos = dict(incidentes_visibles(actor).filter(pk__in=unicos).values_list("pk", "codigo"))
    resultados = []
    # One transaction, one savepoint per incident (the service's own): one COMMIT (not one per row) and one
    # dispatch request for all the rows' events; the lock of each row is held until the
    # end (a fraction of a second for 200 rows, bench/triaje.py).
    with transaction.atomic():
        for pk in unicos:
            codigo = codigos.get(pk)
            if codigo is None:
                resultados.append(ResultadoFila(pk, "", False,
                                                str(NoEncontrado.mensaje_por_defecto)))
                continue
            try:
                # Every per-incident service writes inside its own transaction.atomic(),
                # which nested in this one is a savepoint: a refusal undoes only its row.
                texto = _ejecutar_una(actor, accion, pk, parametros)
            except ErrorDominio as exc:
                resultados.append(ResultadoFila(pk, codigo, False, texto_error(exc)))
            else:
                resultados.append(ResultadoFila(pk, codigo, True, texto))
    return resultados


def resumen_lote(resultados: list[ResultadoFila]) -> str:
    hechos = sum(r.ok for r in resultados)
    rechazados = len(resultados) - hechos
    if not rechazados:
        return _("Hecho en %(n)d incidente(s).") % {"n": hechos}
    return _("Hecho en %(h)d; rechazado en %(r)d: %(detalle)s") % {
        "h": hechos, "r": rechazados,
        "detalle": "; ".join(f"{r.codigo or r.id}: {r.mensaje}" for r in resultados
                             if not r.ok)[:600]}
