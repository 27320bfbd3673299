"""At most one queued dispatch request per target (the live send, each sink) at a time.

Every commit that writes an event asks Celery for a run of the live send and of its sinks
(``services.solicitar_despacho``). Those runs drain everything due, so while one is still
waiting in the queue, a second one for the same target adds nothing: the waiting run will
read the new rows too. Each publish cost the intake ~0.6 ms of CPU in kombu (issue 22,
docs/perfiles.md); a Redis ``SET NX`` costs a tenth of that.

The flag ``cgii:despacho:<target>`` is set by the request that publishes and deleted by the
task when it *starts*, before it reads the outbox. So a commit that finds the flag set was
committed before a run that has not yet started, and that run will see its rows. A flag
whose task never runs (worker down) expires after ``VIGENCIA_SEGUNDOS`` and later commits
publish again; the periodic sweep delivers in the meantime, as it does for lost requests.
Any Redis error: publish as before.
"""

import logging

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

VIVO = "*vivo"  # not a sink name (those are identifiers)
VIGENCIA_SEGUNDOS = 5
_cliente: redis.Redis | None = None


def _prefijo() -> str:
    # Per database: two installations (or two test databases) on one Redis stay apart.
    return f"cgii:despacho:{connection.settings_dict['NAME']}:"


def _redis() -> redis.Redis:
    global _cliente
    if _cliente is None:
        _cliente = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1,
                                        socket_timeout=1)
    return _cliente


def _disponible() -> bool:
    return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))


def reservar(objetivos: list[str]) -> list[str]:
    """The targets that have no run waiting (each now flagged): publish for these only."""
    if not objetivos or not _disponible():
        return objetivos
    try:
        tuberia, prefijo = _redis().pipeline(transaction=False), _prefijo()
        for objetivo in objetivos:
            tuberia.set(prefijo + objetivo, 1, nx=True, ex=VIGENCIA_SEGUNDOS)
        return [o for o, puesto in zip(objetivos, tuberia.execute(), strict=True) if puesto]
    except redis.RedisError as exc:
        logger.warning("Sin Redis para coalescer despachos (se publican todos): %r", exc)
        return objetivos


def liberar(*objetivos: str) -> None:
    """A run starts (or its publish failed): later commits must publish again."""
    if not objetivos or not _disponible():
        return
    try:
        _redis().delete(*(_prefijo() + o for o in objetivos))
    except redis.RedisError as exc:  # the flag expires by itself
        logger.warning("No se pudo liberar la marca de despacho %s: %r", objetivos, exc)


def olvidar_todas() -> None:
    """Every flag of this database (tests: a run published by an earlier test never starts)."""
    if not _disponible():
        return
    claves = list(_redis().scan_iter(match=_prefijo() + "*", count=1000))
    if claves:
        _redis().delete(*claves)
