"""Who may do what on a PISI. Entity roles come from the user's membership in the plan's
entity (``rsi``, ``mae``; a ``reportante`` only reads); CGII roles from the staff groups."""

from cgii.entidades.selectors import roles_para_entidad
from cgii.entidades.sistema import SISTEMA, UsuarioSistema  # noqa: F401 (one actor for all apps)

ENTIDAD = ("rsi", "mae")
REVISORES = ("auditor", "coordinador", "administrador")
SISTEMA_ROL = ("sistema",)

ROLES_TRANSICION = {
    "presentar": ENTIDAD,
    "iniciar_revision": REVISORES,
    "observar": REVISORES,
    "dar_conformidad": REVISORES,
    "registrar_resolucion": ENTIDAD,
    "poner_en_vigencia": REVISORES,
    "iniciar_actualizacion": ENTIDAD,
    "cancelar_actualizacion": ENTIDAD,
    "reemplazar": SISTEMA_ROL,
    "vencer": SISTEMA_ROL,
}

ROLES_TRANSICION_PERIODO = {
    "presentar": (*ENTIDAD, *REVISORES),
    "devolver": REVISORES,
    "cerrar": REVISORES,
}


def roles_del_usuario(entidad_id: int, usuario) -> frozenset[str]:
    return roles_para_entidad(usuario, entidad_id)


def tiene_alguno(entidad_id: int, usuario, roles) -> bool:
    return bool(roles_del_usuario(entidad_id, usuario) & set(roles))


def permiso_transicion(nombre: str):
    """The ``permission=`` of one plan transition (read by ``cgii.fsm``)."""
    def puede(plan, usuario) -> bool:
        return tiene_alguno(plan.entidad_id, usuario, ROLES_TRANSICION.get(nombre, ()))

    puede.__name__ = f"puede_{nombre}"
    return puede


def permiso_transicion_periodo(nombre: str):
    def puede(periodo, usuario) -> bool:
        return tiene_alguno(periodo.plan.entidad_id, usuario,
                            ROLES_TRANSICION_PERIODO.get(nombre, ()))

    puede.__name__ = f"puede_periodo_{nombre}"
    return puede
