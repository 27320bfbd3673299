"""Optional round-robin of new incidents per category (issue 18).

A coordinator or administrator sets, per incident class, the analysts who take turns
(``RepartoCategoria``, Django admin). When an open, unassigned incident has a type of that
class (at intake, or when it is classified), the outbox sink below gives it to the next
analyst in turn through ``incidente_asignar`` as the system actor (timeline, audit and
event as any assignment). Idempotent: an incident that already has an analyst — assigned
by hand in the meantime, or by an earlier delivery of the same event — is left alone; the
rule's row is locked while the turn advances, so two incidents never get the same turn.
"""

from django.db import transaction

from cgii.entidades.sistema import SISTEMA
from cgii.errores import NoEncontrado

from ..models import Incidente, RepartoCategoria
from ..selectors import incidente_obtener
from ..states import ESTADOS_ABIERTOS
from .ciclo import incidente_asignar
from .comun import ROLES_GESTION

TIPOS_EVENTO = ("incidente.creado", "incidente.actualizado")


def siguiente_en_turno(regla: RepartoCategoria):
    """The next active staff member after the last one served (by id, cycling)."""
    candidatos = list(regla.analistas.filter(is_active=True, groups__name__in=ROLES_GESTION)
                      .distinct().order_by("pk"))
    if not candidatos:
        return None
    if regla.ultimo_id is None:
        return candidatos[0]
    return next((c for c in candidatos if c.pk > regla.ultimo_id), candidatos[0])


def reparto_asignar(*, incidente_id: int) -> Incidente | None:
    """Give the incident to the next analyst in turn if its class has an active rule and it
    has no analyst yet; returns it when assigned, else None."""
    with transaction.atomic():
        try:
            incidente = incidente_obtener(usuario=SISTEMA, incidente_id=incidente_id,
                                          para_actualizar=True)
        except NoEncontrado:
            return None
        if incidente.analista_id or not incidente.tipo_id \
                or incidente.estado not in ESTADOS_ABIERTOS:
            return None
        regla = (RepartoCategoria.objects.select_for_update()
                 .filter(clase_id=incidente.tipo.clase_id, activo=True).first())
        if regla is None:
            return None
        analista = siguiente_en_turno(regla)
        if analista is None:
            return None
        incidente = incidente_asignar(actor=SISTEMA, incidente_id=incidente.pk,
                                      analista_id=analista.pk)
        regla.ultimo = analista
        regla.save(update_fields=["ultimo"])
        return incidente


def al_evento(evento) -> None:
    """Outbox sink (``incidentes.reparto``)."""
    datos = (evento.datos or {}).get("incidente") or {}
    if datos.get("id") and not datos.get("analista_id"):
        reparto_asignar(incidente_id=datos["id"])
