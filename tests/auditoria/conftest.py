from contextlib import contextmanager

import pytest
from django.db import connection

from cgii.auditoria.models import RegistroAuditoria
from cgii.auditoria.services import auditoria_registrar

TABLA = RegistroAuditoria._meta.db_table

solo_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (trigger / advisory lock); set DATABASE_URL=postgres://...",
)


@contextmanager
def como_atacante():
    """A database superuser who switches the append-only triggers off and edits by SQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLA} DISABLE TRIGGER ALL")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLA} ENABLE TRIGGER ALL")


@pytest.fixture
def cadena(db, analista, entidad_a):
    """Five genuine rows, secuencia 1..5."""
    return [
        auditoria_registrar(actor=analista, accion="prueba.accion", objeto=entidad_a,
                            antes={"n": i}, despues={"n": i + 1}, datos={"i": i})
        for i in range(5)
    ]
