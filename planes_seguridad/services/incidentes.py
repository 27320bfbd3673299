"""Incidents feed the plan: an outbox sink turns the controls CGII named when closing an
incident into findings of the entity's current follow-up.

``incidentes`` never imports this app; it emits ``incidente.cerrado_con_controles`` with
``{"incidente": {"id", "codigo", "entidad_id", …}, "controles": ["5.7", "8.23", …]}``.
The dispatcher runs the sink once per event (receipt row); the unique constraint
(plan, incident, control) makes a replay harmless anyway.
"""

import logging

from django.utils.translation import gettext as _

from .. import selectors
from ..models import Grado, Hallazgo, MapeoControles, OrigenHallazgo, PlanInstitucional
from ..permisos import SISTEMA
from .seguimiento import crear_hallazgo

logger = logging.getLogger(__name__)

NOMBRE_MANEJADOR = "pisi.hallazgos_de_incidentes"
TIPOS = ("incidente.cerrado_con_controles",)


def _control_en_plan(plan: PlanInstitucional, numero: str) -> str | None:
    """The number as written in the plan's catalog: the same number, or (2013 or national
    plan, ISO number from the incident) the first control of the plan's catalog that maps to
    it, or the reverse. Every mapping the plan's catalog is part of is tried (a national
    plan has one to each ISO edition), newest first."""
    if plan.soa.filter(control__numero=numero).exists():
        return numero
    for mapeo in (MapeoControles.objects.filter(origen=plan.catalogo)
                  .order_by("-version", "-id")):
        inversa = [o for o, ds in selectors.correspondencias_de(mapeo).items() if numero in ds]
        if inversa:
            return inversa[0]
    for mapeo in (MapeoControles.objects.filter(destino=plan.catalogo)
                  .order_by("-version", "-id")):
        destinos = selectors.correspondencias_de(mapeo).get(numero)
        if destinos:
            return destinos[0]
    return None


def hallazgos_de_incidente(evento) -> int:
    """Sink: one finding per failed control, in the entity's plan in force (its open period,
    or waiting for the next period to open). Entities without a plan in force: nothing."""
    datos = evento.datos or {}
    incidente = datos.get("incidente") or {}
    controles = [c for c in datos.get("controles") or [] if isinstance(c, str) and c.strip()]
    entidad_id = incidente.get("entidad_id") or evento.entidad_id
    if not controles or not entidad_id or not incidente.get("id"):
        return 0
    plan = selectors.plan_vigente_de_entidad(entidad_id)
    if plan is None:
        logger.info("incidente %s: la entidad %s no tiene un PISI vigente; sin hallazgos",
                    incidente.get("codigo"), entidad_id)
        return 0
    plan = (PlanInstitucional.objects.select_for_update(of=("self",)).select_related("catalogo")
            .get(pk=plan.pk))
    periodo = selectors.periodo_actual(plan)
    codigo = incidente.get("codigo") or f"#{incidente['id']}"
    creados = 0
    for numero in dict.fromkeys(c.strip() for c in controles):
        if Hallazgo.objects.filter(plan=plan, incidente_id=incidente["id"],
                                   control_numero=numero).exists():
            continue
        en_plan = _control_en_plan(plan, numero)
        descripcion = _("Del incidente %(i)s: falló el control %(c)s.") % {"i": codigo, "c": numero}
        if en_plan and en_plan != numero:
            descripcion += " " + _("(Equivale al control %(p)s del catálogo del plan.)") % {
                "p": en_plan}
        titulo = (incidente.get("titulo") or "").strip()
        if titulo:
            descripcion += f"\n{titulo}"
        # The finding keeps the number the incident named, linked to the plan's own row.
        crear_hallazgo(plan, actor=SISTEMA, grado=Grado.NO_CONFORMIDAD_MENOR,
                       descripcion=descripcion, periodo=periodo, control=en_plan,
                       control_numero=numero, origen=OrigenHallazgo.INCIDENTE,
                       incidente=incidente)
        creados += 1
    return creados
