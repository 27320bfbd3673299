"""Template context: whether the navigation shows "Reportes".

Lazy on purpose: the callable only runs when a template reads it (the nav of base.html), so
JSON views and fragments pay nothing, and it costs only what each type's ``puede_ver``
needs (role checks, which the entity selectors cache per user object)."""

from functools import cache

from . import registro


def reportes(request):
    usuario = getattr(request, "user", None)

    @cache
    def hay_reportes() -> bool:
        if usuario is None or not usuario.is_authenticated:
            return False
        return any(tipo.puede_ver(usuario) for tipo in registro.tipos())

    return {"hay_reportes": hay_reportes}
