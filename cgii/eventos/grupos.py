"""The one place that names Channels groups.

Services pass these names to ``evento_emitir(grupos=...)`` and the websocket consumers join
them, so a typo can never make an event go to a group nobody listens to. Channels accepts
ASCII letters, digits, ``-``, ``_`` and ``.``, shorter than 100 characters.
"""

import re

# Every CGII staff member (analysts, coordinators, auditors, administrators).
GRUPO_PERSONAL_CGII = "cgii.personal"

_NOMBRE_VALIDO = re.compile(r"^[a-zA-Z\d\-_.]{1,99}$")


def _id(valor: int) -> int:
    # bool is an int subclass and a str would be formatted verbatim: refuse both, so a
    # wrong argument fails here instead of producing a group no consumer joins.
    if isinstance(valor, bool) or not isinstance(valor, int) or valor <= 0:
        raise ValueError(f"Identificador de grupo inválido: {valor!r}")
    return valor


def grupo_entidad(entidad_id: int) -> str:
    """Users of one entity."""
    return f"cgii.entidad.{_id(entidad_id)}"


def grupo_usuario(usuario_id: int) -> str:
    """One user's own stream (personal notifications)."""
    return f"cgii.usuario.{_id(usuario_id)}"


def grupo_incidente(incidente_id: int) -> str:
    """Entity users looking at one incident (per-incident stream: shared entries only)."""
    return f"cgii.incidente.{_id(incidente_id)}"


def grupo_incidente_interno(incidente_id: int) -> str:
    """CGII staff looking at one incident (per-incident stream: everything)."""
    return f"cgii.incidente.{_id(incidente_id)}.interno"


def es_nombre_valido(nombre: object) -> bool:
    return isinstance(nombre, str) and bool(_NOMBRE_VALIDO.match(nombre))
