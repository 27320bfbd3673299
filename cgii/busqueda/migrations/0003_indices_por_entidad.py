"""The visibility list as the first column of the text and trigram GIN indexes (issue 22:
entity users' search at 11,000,000 documents).

With one index per column, an entity user's text search built the whole visibility bitmap of
a large entity (BENCH01: 384,000 documents, 50-90 ms) and ANDed it with the text's; with the
entity inside the vector's index only, the trigram arms of a one-word search (a title that
contains the word: 83,000 rows for «malware») still reached the heap unfiltered (50,000
buffers, 320 ms). Two multicolumn GIN indexes take the entity condition into every arm: GIN
intersects the posting lists of its scan keys inside the index, so only the entity's
matches reach the heap. A GIN index serves any subset of its columns as well as a
one-column index would (its entries are keyed by column), so these two replace the four
one-column indexes of 0001 (vector, visibility list, key and title trigrams), and writes
maintain two indexes instead of four (docs/busqueda.md). PostgreSQL only, like 0001."""

from django.db import migrations

from cgii.migraciones import sql_solo_postgres

CREAR = [
    "CREATE INDEX IF NOT EXISTS busqueda_entidades_vector ON busqueda_documento "
    "USING gin (entidades jsonb_path_ops, vector)",
    "CREATE INDEX IF NOT EXISTS busqueda_entidades_trgm ON busqueda_documento "
    "USING gin (entidades jsonb_path_ops, clave gin_trgm_ops, titulo gin_trgm_ops)",
    "DROP INDEX IF EXISTS busqueda_vector",
    "DROP INDEX IF EXISTS busqueda_entidades",
    "DROP INDEX IF EXISTS busqueda_clave_trgm",
    "DROP INDEX IF EXISTS busqueda_titulo_trgm",
    # Year, type and state are correlated (an old incident is closed): without these the
    # planner took anio=2026 AND tipo=incidente AND estado=cerrado for 13,600 rows (142,000)
    # and chose the facet bitmap over the text's.
    "CREATE STATISTICS IF NOT EXISTS busqueda_facetas_est (dependencies, mcv) "
    "ON anio, tipo, estado FROM busqueda_documento",
]
DESHACER = [
    "DROP STATISTICS IF EXISTS busqueda_facetas_est",
    "CREATE INDEX IF NOT EXISTS busqueda_vector ON busqueda_documento USING gin (vector)",
    "CREATE INDEX IF NOT EXISTS busqueda_entidades ON busqueda_documento "
    "USING gin (entidades jsonb_path_ops)",
    "CREATE INDEX IF NOT EXISTS busqueda_clave_trgm ON busqueda_documento "
    "USING gin (clave gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS busqueda_titulo_trgm ON busqueda_documento "
    "USING gin (titulo gin_trgm_ops)",
    "DROP INDEX IF EXISTS busqueda_entidades_vector",
    "DROP INDEX IF EXISTS busqueda_entidades_trgm",
]


class Migration(migrations.Migration):

    dependencies = [
        ("busqueda", "0002_indice_facetas"),
    ]

    operations = [migrations.RunPython(sql_solo_postgres(CREAR), sql_solo_postgres(DESHACER))]
