"""Try-locks that span transactions: one live sender, one runner per sink.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), which outlives the
commits made while it is held and dies with its connection if the process is killed.
SQLite (embedded profile, one process): a thread lock per name.
"""

import threading
from contextlib import contextmanager

from django.db import connection

_locales: dict[str, threading.Lock] = {}
_locales_lock = threading.Lock()


@contextmanager
def intentar(nombre: str, *clave: int):
    """``with intentar(nombre, k) as obtenido:`` — never waits; ``obtenido`` says whether
    this caller holds the lock. ``clave`` is one bigint or two int4 (PostgreSQL keeps the
    two key spaces apart)."""
    if connection.vendor != "postgresql":
        with _locales_lock:
            cerrojo = _locales.setdefault(nombre, threading.Lock())
        obtenido = cerrojo.acquire(blocking=False)
        try:
            yield obtenido
        finally:
            if obtenido:
                cerrojo.release()
        return
    marcas = ", ".join(["%s"] * len(clave))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_try_advisory_lock({marcas})", list(clave))
        obtenido = cursor.fetchone()[0]
    try:
        yield obtenido
    finally:
        if obtenido:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_advisory_unlock({marcas})", list(clave))
