"""Django's PostgreSQL backend with one change: after a failed pool check, the pool's other
idle connections are checked at once (settings: ENGINE "cgii.bd.postgresql").

Why: after a PostgreSQL restart every idle pooled connection is dead. With
``CONN_HEALTH_CHECKS`` Django makes psycopg_pool check each connection before lending it,
but the pool lends the oldest first and, between two failed checks, sleeps 0, 1, 2, 4 s...
within the request's timeout: one request met several dead connections in a row and gave up
(measured: the first two requests after a restart answered 503 after 5 s each). Django passes
``check=`` to the pool itself, so a check of our own cannot be given in OPTIONS["pool"].

With ``pool.check()`` (psycopg_pool's public method: test every idle connection, drop the
broken ones, open replacements) the first failure clears them all; the pool's next
attempt comes without a pause and gets a fresh connection.
"""

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def comprobar_conexion(conexion) -> None:
    """psycopg_pool's check; when it fails, check every idle connection of the pool too."""
    try:
        ConnectionPool.check_connection(conexion)
    except Exception:
        # _pool: the pool that lent the connection (Django's backend reads it too).
        pool = getattr(conexion, "_pool", None)
        if pool is not None:
            pool.check()
        raise


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Django built the pool with ConnectionPool.check_connection (CONN_HEALTH_CHECKS);
        # no checks configured → nothing to replace.
        if pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = comprobar_conexion
        return pool
