"""The staff list's value search (``valor__icontains`` → ``UPPER(valor) LIKE UPPER('%…%')``)
by trigram index: a sequential scan of 1,000,000 indicators took 160–210 ms per query, twice
per page (count and rows). PostgreSQL only; SQLite (embedded) scans its small table."""

from django.db import migrations

from cgii.migraciones import sql_solo_postgres

CREAR = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS indicador_valor_trgm ON indicadores_indicador "
    "USING gin (upper(valor::text) gin_trgm_ops)",
]
BORRAR = ["DROP INDEX IF EXISTS indicador_valor_trgm"]


class Migration(migrations.Migration):
    dependencies = [("indicadores", "0003_indice_importacion")]

    operations = [migrations.RunPython(sql_solo_postgres(CREAR), sql_solo_postgres(BORRAR))]
