"""Who hears about what happens to a PISI (the bell and e-mail).

An outbox sink, as for incidents: it runs once per event and picks the recipients; core's
``notificar`` applies each person's preferences.

- The entity submits its plan, or registers the MAE's resolution → CGII reviewers.
- CGII starts the review, observes the plan, gives conformity or puts it in force → the
  entity's RSI and MAE.
- A deadline is about to expire or has expired → whoever must act on it (the entity's RSI
  and MAE, or the CGII reviewers).
- A finding is recorded on the plan → the entity's RSI and MAE.
- A follow-up period: progress presented → CGII reviewers; returned or closed by CGII →
  the entity's RSI and MAE.
The person who acted is never notified of their own action.

E-mail (issue 17) only to whoever is asked to act: the entity's RSI (who keeps the plan), its
MAE only when the plan awaits the MAE's resolution (conformity given); CGII reviewers when
something waits for their review. Everyone else named above gets the bell only.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.models import Entidad, Membresia
from cgii.eventos.notificaciones import notificar

from .permisos import ENTIDAD, REVISORES
from .states import Estado

NOMBRE_MANEJADOR = "planes_seguridad.notificaciones"
EVENTOS = ("pisi.transicion", "pisi.plazo_advertencia", "pisi.plazo_vencido", "pisi.hallazgo",
           "pisi.seguimiento")
TIPOS = {
    "pisi.revision": (gettext_lazy("Revisión de un PISI"), True),
    "pisi.plazo": (gettext_lazy("Plazo de un PISI por vencer o vencido"), True),
    "pisi.hallazgo": (gettext_lazy("Hallazgo sobre un PISI"), True),
    "pisi.seguimiento": (gettext_lazy("Seguimiento de un PISI"), False),
}
HACIA_CGII = {"presentar", "registrar_resolucion"}
HACIA_ENTIDAD = {"iniciar_revision", "observar", "dar_conformidad", "poner_en_vigencia"}
PERIODO_HACIA_ENTIDAD = {"periodo.devolver", "periodo.cerrar", "periodo.revision"}


def _revisores() -> set[int]:
    return set(get_user_model().objects.filter(is_active=True, groups__name__in=REVISORES)
               .values_list("pk", flat=True))


def _entidad(entidad_id: int, roles=ENTIDAD) -> set[int]:
    return set(Membresia.objects.filter(entidad_id=entidad_id, rol__in=roles, activa=True,
                                        usuario__is_active=True)
               .values_list("usuario_id", flat=True))


def _rsi(entidad_id: int) -> set[int]:
    return _entidad(entidad_id, roles=("rsi",))


def _destino(evento, nombre_plan: str) -> tuple[str, set[int], str, str, set | None] | None:
    """(notification type, recipients, text, page, who of them may get an e-mail — None:
    all) for one outbox event, or None."""
    plan = evento.datos["plan"]
    accion = evento.datos.get("accion", "")
    if evento.tipo == "pisi.transicion":
        transicion, estado = evento.datos.get("transicion"), evento.datos.get("a", "")
        if transicion in HACIA_CGII:
            usuarios, correo = _revisores(), None
        elif transicion in HACIA_ENTIDAD:
            usuarios = _entidad(plan["entidad_id"])
            # Conformity: the MAE must now sign the approving resolution.
            correo = (usuarios if transicion == "dar_conformidad"
                      else _rsi(plan["entidad_id"]))
        else:
            return None
        etiqueta = Estado(estado).label if estado in Estado.values else estado
        return "pisi.revision", usuarios, _("%(p)s pasó a «%(e)s».") % {
            "p": nombre_plan, "e": etiqueta}, "detalle", correo
    if evento.tipo in ("pisi.plazo_advertencia", "pisi.plazo_vencido"):
        responsable = (evento.datos.get("plazo") or {}).get("responsable")
        usuarios = _revisores() if responsable == "cgii" else _entidad(plan["entidad_id"])
        correo = None if responsable == "cgii" else _rsi(plan["entidad_id"])
        return "pisi.plazo", usuarios, f"{evento.datos.get('texto', '')} ({nombre_plan})", \
            "detalle", correo
    if evento.tipo == "pisi.hallazgo" and accion == "hallazgo.crear":
        return "pisi.hallazgo", _entidad(plan["entidad_id"]), _(
            "Nuevo hallazgo en %(p)s.") % {"p": nombre_plan}, "hallazgos", _rsi(plan["entidad_id"])
    if evento.tipo == "pisi.seguimiento":
        if accion == "periodo.presentar":
            usuarios, correo = _revisores(), None
        elif accion in PERIODO_HACIA_ENTIDAD:
            usuarios, correo = _entidad(plan["entidad_id"]), _rsi(plan["entidad_id"])
        else:
            return None
        primera = (evento.datos.get("texto") or "").splitlines()[:1]
        return "pisi.seguimiento", usuarios, f"{primera[0] if primera else ''} ({nombre_plan})", \
            "seguimiento", correo
    return None


def al_evento(evento) -> None:
    plan = evento.datos.get("plan")
    if not isinstance(plan, dict) or "id" not in plan:
        return  # not a plan event of ours
    sigla = Entidad.objects.filter(pk=plan["entidad_id"]).values_list("sigla", flat=True).first()
    nombre_plan = _("PISI %(s)s %(g)s") % {"s": sigla or "", "g": plan.get("gestion", "")}
    destino = _destino(evento, nombre_plan)
    if destino is None:
        return
    tipo, usuarios, texto, pagina, correo = destino
    usuarios.discard(evento.datos.get("actor_id"))
    notificar(usuarios_ids=usuarios, tipo=tipo, texto=texto, correo_ids=correo,
              enlace=reverse(f"pisi:{pagina}", args=[plan["id"]]))
