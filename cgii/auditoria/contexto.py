"""Request id and client IP of the request being served, for audit rows.

A ContextVar rather than a thread-local: under ASGI one thread may interleave many requests,
and asgiref copies the current context into ``sync_to_async`` threads, so every request (and
any sync code it calls) sees only its own values. Outside a request (Celery, commands) both
values are ``None`` unless the caller opens :func:`contexto_solicitud` itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class ContextoSolicitud:
    request_id: str | None = None
    ip: str | None = None


_VACIO = ContextoSolicitud()
_contexto: ContextVar[ContextoSolicitud] = ContextVar("cgii_auditoria_contexto", default=_VACIO)


def contexto_actual() -> ContextoSolicitud:
    return _contexto.get()


def establecer(contexto: ContextoSolicitud) -> Token[ContextoSolicitud]:
    return _contexto.set(contexto)


def restablecer(token: Token[ContextoSolicitud]) -> None:
    _contexto.reset(token)


@contextmanager
def contexto_solicitud(
    *, request_id: str | None = None, ip: str | None = None
) -> Iterator[ContextoSolicitud]:
    """For code that acts on behalf of a request outside the middleware (tasks, tests)."""
    contexto = ContextoSolicitud(request_id=request_id, ip=ip)
    token = establecer(contexto)
    try:
        yield contexto
    finally:
        restablecer(token)
