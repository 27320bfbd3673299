"""Whether a user may see some report: the navigation's "Reportes" link
(``cgii.reportes.apps``) shows only then. It costs only what each type's ``puede_ver``
needs (role checks, which the entity selectors cache per user object)."""

from . import registro


def puede_ver_alguno(usuario) -> bool:
    if usuario is None or not usuario.is_authenticated:
        return False
    return any(tipo.puede_ver(usuario) for tipo in registro.tipos())
