"""Who hears about what happens to an incident (the bell and e-mail).

An outbox sink: it runs once per event (at least once delivered, effects recorded once) and
picks the recipients; core's ``notificar`` applies each person's preferences.

- A new report → CGII analysts and coordinators; an incident CGII opened → the entity.
- A state change → the entity's people and the assigned analyst; the entity's «no está
  resuelto» → the assigned analyst (coordinators when unassigned), with its reason.
- A message → the other side (entity ↔ assigned analyst, or coordinators when unassigned).
- An assignment → the new assignee.
- An SLA warning or breach → the roles the policy escalates to, and the assignee.
The person who acted is never notified of their own action. TLP:RED incidents never put
their title in an e-mail.

E-mail (issue 17) only to whoever did something or is asked to act: of the entity, the person
who reported the incident (and the RSI when CGII asks or writes to the entity, or opened the
incident); of CGII, the person assigned, or who must act (SLA escalation, an answer or an
objection). Everyone else named above gets the bell only.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.models import Membresia
from cgii.eventos.notificaciones import notificar

from .states import Estado

TIPOS = {
    "incidente.nuevo": (gettext_lazy("Incidente nuevo"), False),
    "incidente.estado": (gettext_lazy("Cambio de estado de un incidente"), True),
    "incidente.mensaje": (gettext_lazy("Mensaje sobre un incidente"), True),
    "incidente.solicitud": (gettext_lazy("El CGII solicita información"), True),
    "incidente.no_resuelto": (gettext_lazy("La entidad indica que no está resuelto"), True),
    "incidente.asignacion": (gettext_lazy("Incidente asignado a usted"), True),
    "sla.advertencia": (gettext_lazy("SLA en advertencia"), False),
    "sla.incumplido": (gettext_lazy("SLA incumplido"), True),
}
ROLES_GESTION = ("analista", "coordinador")


def _personal(roles) -> set[int]:
    return set(get_user_model().objects.filter(is_active=True, groups__name__in=list(roles))
               .values_list("pk", flat=True))


def _entidad(entidad_id: int, *, roles=None) -> set[int]:
    filas = Membresia.objects.filter(entidad_id=entidad_id, activa=True, usuario__is_active=True)
    if roles is not None:
        filas = filas.filter(rol__in=roles)
    return set(filas.values_list("usuario_id", flat=True))


def _reportante(incidente_id: int) -> set[int]:
    from .models import Incidente

    fila = Incidente.objects.filter(pk=incidente_id).values_list("reportante_id", flat=True)
    return {r for r in fila if r}


def _destino(evento) -> tuple[str, set[int], str, set[int] | None] | None:
    """(notification type, recipients, text, who of them may get an e-mail — None: all)
    for one outbox event, or None."""
    inc = evento.datos.get("incidente")
    if not isinstance(inc, dict) or "id" not in inc:
        return None  # not an incident event of ours (another producer's, or a test's)
    entrada = evento.datos.get("entrada") or {}
    codigo = inc.get("codigo", "")
    analista = {inc["analista_id"]} if inc.get("analista_id") else set()
    tipo_entrada = entrada.get("tipo")
    if evento.tipo == "incidente.creado":
        origen = inc.get("origen", "entidad")
        # The entity reported it (form, API, or e-mail read by incidentes.correo).
        if origen == "entidad" or (origen == "correo" and not entrada.get("actor_es_cgii")):
            return "incidente.nuevo", _personal(ROLES_GESTION), _(
                "Nuevo incidente %(c)s: %(t)s") % {"c": codigo, "t": inc.get("titulo", "")}, None
        return "incidente.nuevo", _entidad(inc["entidad_id"]), _(
            "El CGII abrió el incidente %(c)s sobre su entidad.") % {"c": codigo}, \
            _entidad(inc["entidad_id"], roles=("rsi",))
    if evento.tipo == "incidente.transicion":
        if tipo_entrada == "solicitud":
            return "incidente.solicitud", _entidad(inc["entidad_id"]), _(
                "El CGII solicita información sobre %(c)s.") % {"c": codigo}, \
                _reportante(inc["id"]) | _entidad(inc["entidad_id"], roles=("rsi",))
        if (entrada.get("datos") or {}).get("transicion") == "objetar_resolucion":
            motivo = (entrada.get("datos") or {}).get("comentario", "")
            return "incidente.no_resuelto", analista or _personal(("coordinador",)), _(
                "La entidad indica que %(c)s no está resuelto: %(m)s") % {
                "c": codigo, "m": motivo[:200]}, None
        if tipo_entrada == "respuesta":
            return "incidente.mensaje", analista or _personal(("coordinador",)), _(
                "La entidad respondió sobre %(c)s.") % {"c": codigo}, None
        # A state change: the bell for the entity and the analyst; e-mail for the reporter.
        return "incidente.estado", _entidad(inc["entidad_id"]) | analista, _(
            "%(c)s pasó a «%(e)s».") % {"c": codigo, "e": Estado(inc["estado"]).label}, \
            _reportante(inc["id"])
    if evento.tipo == "timeline.nuevo" and tipo_entrada == "mensaje":
        if entrada.get("actor_es_cgii"):
            return "incidente.mensaje", _entidad(inc["entidad_id"]), _(
                "Nuevo mensaje del CGII sobre %(c)s.") % {"c": codigo}, \
                _reportante(inc["id"]) | _entidad(inc["entidad_id"], roles=("rsi",))
        return "incidente.mensaje", analista or _personal(("coordinador",)), _(
            "Nuevo mensaje de la entidad sobre %(c)s.") % {"c": codigo}, None
    if evento.tipo == "incidente.actualizado" and tipo_entrada == "asignacion":
        return "incidente.asignacion", analista, _(
            "Se le asignó el incidente %(c)s.") % {"c": codigo}, None
    if evento.tipo in ("sla.advertencia", "sla.incumplido"):
        roles = (entrada.get("datos") or {}).get("escalado_a") or ["coordinador"]
        return evento.tipo, _personal(roles) | analista, \
            f"{entrada.get('texto', '')} ({codigo})", None
    return None


def al_evento(evento) -> None:
    destino = _destino(evento)
    if destino is None:
        return
    tipo, usuarios, texto, correo = destino
    inc = evento.datos["incidente"]
    actor = (evento.datos.get("entrada") or {}).get("actor_id")
    usuarios.discard(actor)
    notificar(usuarios_ids=usuarios, tipo=tipo, texto=texto, correo_ids=correo,
              enlace=reverse("incidentes:detalle", args=[inc["id"]]),
              pide_accion=tipo == "incidente.solicitud",
              confidencial=inc.get("tlp") == "red",
              texto_confidencial=_("Hay una novedad en el incidente %(c)s (TLP:RED: consulte "
                                   "la plataforma).") % {"c": inc.get("codigo", "")})
