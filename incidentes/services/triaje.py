"""Per-incident triage changes the bulk bar needs besides assign and transitions (issue 18):
set the priority by hand, add a label. Same recipe as every other service."""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion, TransicionInvalida

from .. import sla
from ..models import Incidente, TipoEntrada
from ..selectors import incidente_obtener
from ..states import ESTADOS_ABIERTOS
from .comun import exigir_gestion, registrar

PRIORIDADES = ("P1", "P2", "P3", "P4")
MAX_ETIQUETA = 40
MAX_ETIQUETAS = 20
_ETIQUETA = re.compile(r"^[\w][\w .:/-]*$")


def _abierto(incidente: Incidente, que: str) -> None:
    if incidente.estado not in ESTADOS_ABIERTOS:
        raise TransicionInvalida(_("No se puede %(q)s un incidente en estado %(e)s.")
                                 % {"q": que, "e": incidente.get_estado_display()})


def incidente_fijar_prioridad(*, actor, incidente_id: int, prioridad: str,
                              motivo: str) -> Incidente:
    """Set the priority by hand (with its reason, as classification asks) and move the open
    SLA clocks to that priority's policy."""
    exigir_gestion(actor)
    motivo = (motivo or "").strip()
    if prioridad not in PRIORIDADES:
        raise ErrorValidacion(extra={"prioridad": [_("Prioridad no válida (P1 a P4).")]})
    if not motivo:
        raise ErrorValidacion(extra={"motivo": [
            _("Indique el motivo para fijar la prioridad a mano.")]})
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        _abierto(incidente, _("cambiar la prioridad de"))
        antes = {"prioridad": incidente.prioridad}
        if incidente.prioridad == prioridad:
            return incidente  # nothing changes: no row, no event
        incidente.prioridad = prioridad
        incidente.prioridad_manual = True
        incidente.motivo_prioridad = motivo
        incidente.save(update_fields=["prioridad", "prioridad_manual", "motivo_prioridad",
                                      "actualizado"])
        sla.cambiar_prioridad(incidente, momento=timezone.now())
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.CLASIFICACION,
                  accion="priorizar", evento="incidente.actualizado", visible_entidad=True,
                  texto=_("Prioridad fijada en %(p)s: %(m)s") % {"p": prioridad, "m": motivo},
                  datos={"manual": True}, antes=antes, despues={"prioridad": prioridad})
    return incidente


def normalizar_etiqueta(texto: str) -> str:
    etiqueta = " ".join((texto or "").split()).lower()
    if not etiqueta or len(etiqueta) > MAX_ETIQUETA or not _ETIQUETA.match(etiqueta):
        raise ErrorValidacion(extra={"etiqueta": [
            _("Etiqueta de 1 a %(n)d letras, números, espacios o . : / -") % {"n": MAX_ETIQUETA}]})
    return etiqueta


def incidente_etiquetar(*, actor, incidente_id: int, etiqueta: str) -> Incidente:
    """Add one label (internal: the entity does not see labels). Adding one it already has
    changes nothing."""
    exigir_gestion(actor)
    etiqueta = normalizar_etiqueta(etiqueta)
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        if etiqueta in incidente.etiquetas:
            return incidente
        if len(incidente.etiquetas) >= MAX_ETIQUETAS:
            raise ErrorValidacion(extra={"etiqueta": [
                _("Máximo %(n)d etiquetas por incidente.") % {"n": MAX_ETIQUETAS}]})
        antes = {"etiquetas": list(incidente.etiquetas)}
        incidente.etiquetas = [*incidente.etiquetas, etiqueta]
        incidente.save(update_fields=["etiquetas", "actualizado"])
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.CLASIFICACION,
                  accion="etiquetar", evento="incidente.actualizado", visible_entidad=False,
                  texto=_("Etiqueta añadida: %(e)s.") % {"e": etiqueta},
                  antes=antes, despues={"etiquetas": incidente.etiquetas})
    return incidente
