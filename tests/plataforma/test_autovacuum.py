"""The hot tables vacuum at 1 % of their rows, not PostgreSQL's 20 % (migration
incidentes/0012_autovacuum: dead versions at the head of the urgency order slowed the lists)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL storage parameters")
@pytest.mark.parametrize("tabla", ["incidentes_incidente", "protocolos_relojsla"])
def test_autovacuum_al_uno_por_ciento(tabla):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [tabla])
        opciones = dict(o.split("=") for o in cursor.fetchone()[0])
    assert opciones["autovacuum_vacuum_scale_factor"] == "0.01"
    assert opciones["autovacuum_vacuum_insert_scale_factor"] == "0.02"
