"""Who may fire each transition: the incident's protocol decides (protocolos data); the
defaults below apply only while an incident has no protocol yet (before classification)."""

from cgii.entidades.selectors import roles_cgii, roles_en_entidad
from cgii.entidades.sistema import SISTEMA, UsuarioSistema  # noqa: F401 (one actor for all apps)

STAFF = ("analista", "coordinador", "administrador")
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
    "responder_entidad": ("reportante", "rsi", "mae", *STAFF),
    "reabrir": ("coordinador", "administrador", "rsi"),
}


def roles_del_usuario(incidente, usuario) -> frozenset[str]:
    if getattr(usuario, "es_sistema", False):
        return frozenset({"sistema"})
    return roles_cgii(usuario) | roles_en_entidad(usuario, incidente.entidad_id)


def roles_permitidos(incidente, nombre: str) -> tuple[str, ...]:
    protocolo = incidente.protocolo if incidente.protocolo_id else None
    if protocolo is not None:
        from protocolos.selectors import roles_para_transicion

        roles = roles_para_transicion(protocolo=protocolo, transicion=nombre)
        if roles:
            return tuple(roles)
    return ROLES_POR_DEFECTO.get(nombre, ())


def permiso_transicion(nombre: str):
    def puede(incidente, usuario) -> bool:
        return bool(roles_del_usuario(incidente, usuario) & set(roles_permitidos(incidente, nombre)))

    puede.__name__ = f"puede_{nombre}"
    return puede
