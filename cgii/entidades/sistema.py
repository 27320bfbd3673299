"""The actor of automatic changes (SLA monitor, auto-close, deadline sweeps, outbox sinks).

Not a database user: audit rows record it as ``actor=None`` and the tenant caches are
pre-filled so that every selector sees all entities through it without a query.
"""


class UsuarioSistema:
    es_sistema = True
    is_authenticated = True
    pk = id = None
    username = "sistema"
    _cgii_roles = frozenset({"sistema"})
    _cgii_membresias: list = []

    def __str__(self) -> str:
        return "sistema"


SISTEMA = UsuarioSistema()
