"""Who may do what on an incident.

Transitions: the incident's protocol decides (protocolos data); the defaults below apply
only while an incident has no protocol yet (before classification) or when the protocol
names no roles for a transition. Each ``@transition`` in ``models.Incidente`` declares its
``permission=`` with ``permiso_transicion``; ``cgii.fsm`` reads that declaration both to
refuse a request and to list the transitions a user may fire.

Checklist steps: each step names the role that does it; only that role completes it
(``puede_cambiar_tarea``), and an entity user sees only the steps of its own roles
(``ve_tarea``).
"""

from django.utils.translation import gettext_lazy as _

from cgii.entidades.selectors import roles_para_entidad
from cgii.entidades.sistema import SISTEMA, UsuarioSistema  # noqa: F401 (one actor for all apps)

STAFF = ("analista", "coordinador", "administrador")
ENTIDAD = ("reportante", "rsi", "mae")
ROLES_POR_DEFECTO = {
    "iniciar_triaje": STAFF,
    "iniciar_analisis": STAFF,
    "contener": STAFF,
    "erradicar": STAFF,
    "recuperar": STAFF,
    "resolver": STAFF,
    "cerrar": STAFF,
    "autocerrar": ("sistema",),
    "rechazar": ("coordinador", "analista", "administrador"),
    "marcar_duplicado": STAFF,
    "desmarcar_duplicado": STAFF,
    "solicitar_informacion": STAFF,
    "responder_entidad": (*ENTIDAD, *STAFF),
    "reabrir": ("coordinador", "administrador", "rsi"),
    "objetar_resolucion": ENTIDAD,
    "reabrir_por_fuente": ("sistema",),
}

# Short names of who does a protocol step (the checklist tag and the refusal message).
ROLES_PASO = {
    "analista": _("Analista"),
    "coordinador": _("Coordinador"),
    "reportante": _("Reportante"),
    "rsi": _("RSI de la entidad"),
    "mae": _("MAE de la entidad"),
}

# Who completes a step of each role: the entity's steps only the entity's people of that
# role; a coordinator's steps a coordinator (or an administrator); an analyst's steps anyone
# who works incidents.
COMPLETAN_PASO = {
    "analista": STAFF,
    "coordinador": ("coordinador", "administrador"),
}


def roles_del_usuario(incidente, usuario) -> frozenset[str]:
    return roles_para_entidad(usuario, incidente.entidad_id)


def roles_permitidos(incidente, nombre: str) -> tuple[str, ...]:
    protocolo = incidente.protocolo if incidente.protocolo_id else None
    if protocolo is not None:
        from protocolos.selectors import roles_para_transicion

        roles = roles_para_transicion(protocolo=protocolo, transicion=nombre)
        if roles:
            return tuple(roles)
    return ROLES_POR_DEFECTO.get(nombre, ())


def _roles_transicion(incidente, nombre: str) -> set[str]:
    roles = set(roles_permitidos(incidente, nombre))
    if nombre == "reabrir" and incidente.estado == "resuelto":
        # Whoever may resolve may take the resolution back while it waits for the entity's
        # confirmation (closed or rejected incidents stay with the protocol's roles).
        roles |= set(roles_permitidos(incidente, "resolver"))
    return roles


def permiso_transicion(nombre: str):
    """The ``permission=`` of one incident transition (django-fsm calls it with the
    instance and the user)."""
    def puede(incidente, usuario) -> bool:
        return bool(roles_del_usuario(incidente, usuario) & _roles_transicion(incidente, nombre))

    puede.__name__ = f"puede_{nombre}"
    return puede


def ve_tarea(tarea, roles: frozenset[str], *, personal: bool) -> bool:
    """CGII staff see the whole checklist; the entity, the steps of its own roles."""
    return personal or tarea.rol in roles


def puede_cambiar_tarea(tarea, roles: frozenset[str]) -> bool:
    """Only the role a step names completes it (or marks it not applicable, or reopens it)."""
    return bool(roles & set(COMPLETAN_PASO.get(tarea.rol, (tarea.rol,))))
