import django.contrib.postgres.search
from django.db import migrations, models

from cgii.migraciones import sql_solo_postgres

# PostgreSQL only: trigram extension, GIN indexes on the vectors, jsonb_path_ops on the
# visibility list, trigram indexes for partial matches, hash index for exact keys of any
# length (a btree entry is limited to ~2.7 kB; IOC URLs can be longer).
SQL_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS busqueda_vector ON busqueda_documento USING gin (vector)",
    "CREATE INDEX IF NOT EXISTS busqueda_vector_interno ON busqueda_documento "
    "USING gin (vector_interno)",
    "CREATE INDEX IF NOT EXISTS busqueda_entidades ON busqueda_documento "
    "USING gin (entidades jsonb_path_ops)",
    "CREATE INDEX IF NOT EXISTS busqueda_clave_exacta ON busqueda_documento USING hash (clave)",
    "CREATE INDEX IF NOT EXISTS busqueda_clave_trgm ON busqueda_documento "
    "USING gin (clave gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS busqueda_titulo_trgm ON busqueda_documento "
    "USING gin (titulo gin_trgm_ops)",
]
SQL_POSTGRES_REVERSO = [
    "DROP INDEX IF EXISTS busqueda_vector",
    "DROP INDEX IF EXISTS busqueda_vector_interno",
    "DROP INDEX IF EXISTS busqueda_entidades",
    "DROP INDEX IF EXISTS busqueda_clave_exacta",
    "DROP INDEX IF EXISTS busqueda_clave_trgm",
    "DROP INDEX IF EXISTS busqueda_titulo_trgm",
]


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DocumentoBusqueda",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("tipo", models.CharField(max_length=20)),
                ("objeto_id", models.BigIntegerField()),
                ("entidad_id", models.BigIntegerField(blank=True, null=True)),
                ("entidades", models.JSONField(default=list)),
                ("solo_personal", models.BooleanField(default=False)),
                ("clave", models.TextField(blank=True)),
                ("titulo", models.TextField(blank=True)),
                ("texto", models.TextField(blank=True)),
                ("mensajes", models.TextField(blank=True)),
                ("interno", models.TextField(blank=True)),
                ("estado", models.CharField(blank=True, max_length=40)),
                ("prioridad", models.CharField(blank=True, max_length=10)),
                ("categoria", models.CharField(blank=True, max_length=80)),
                ("tlp", models.CharField(blank=True, max_length=15)),
                ("anio", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("fecha", models.DateTimeField(blank=True, null=True)),
                ("datos", models.JSONField(blank=True, default=dict)),
                ("vector", django.contrib.postgres.search.SearchVectorField(blank=True, null=True)),
                ("vector_interno",
                 django.contrib.postgres.search.SearchVectorField(blank=True, null=True)),
                ("actualizado", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "documento de búsqueda",
                "verbose_name_plural": "documentos de búsqueda",
                "db_table": "busqueda_documento",
                "indexes": [models.Index(fields=["tipo", "-fecha"], name="busqueda_tipo_fecha")],
                "constraints": [models.UniqueConstraint(fields=("tipo", "objeto_id"),
                                                        name="busqueda_documento_unico")],
            },
        ),
        migrations.RunPython(sql_solo_postgres(SQL_POSTGRES), sql_solo_postgres(SQL_POSTGRES_REVERSO)),
    ]
