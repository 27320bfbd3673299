from datetime import UTC, datetime

import pytest
from django.db import connection

solo_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="partitioning is PostgreSQL-only; set DATABASE_URL=postgres://...",
)


def utc(*partes) -> datetime:
    return datetime(*partes, tzinfo=UTC)


def particion_de(tabla: str, columna: str, valor) -> str:
    """The partition a row lives in (tableoid), found by a column value."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {tabla} WHERE {columna} = %s",
                       [valor])
        return cursor.fetchone()[0]


def nombres_particiones(tabla: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = %s::regclass ORDER BY 1", [tabla])
        return [f[0] for f in cursor.fetchall()]
