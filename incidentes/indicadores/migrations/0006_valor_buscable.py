"""The staff list's "contains" search moves to ``ValorBuscable`` (issue 22): the trigram GIN
on ``upper(valor)`` was ~40 % of the server's work when an import COPYs new indicators.
The side table is filled after commit by the ``indicadores.valores_buscables`` sink; this
migration copies the values stored so far, indexes them and drops the old index."""

import django.db.models.deletion
from django.db import migrations, models

from cgii.migraciones import sql_solo_postgres

COPIAR = ("INSERT INTO indicadores_valorbuscable (indicador_id, valor) "
          "SELECT id, valor FROM indicadores_indicador")
CREAR = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS valor_buscable_trgm ON indicadores_valorbuscable "
    "USING gin (upper(valor::text) gin_trgm_ops)",
    "DROP INDEX IF EXISTS indicador_valor_trgm",
]
DESHACER = [
    "CREATE INDEX IF NOT EXISTS indicador_valor_trgm ON indicadores_indicador "
    "USING gin (upper(valor::text) gin_trgm_ops)",
    "DROP INDEX IF EXISTS valor_buscable_trgm",
]


class Migration(migrations.Migration):

    dependencies = [
        ('indicadores', '0005_vinculo_tlp_propio'),
    ]

    operations = [
        migrations.CreateModel(
            name='ValorBuscable',
            fields=[
                ('indicador', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='indicadores.indicador')),
                ('valor', models.CharField(max_length=2048)),
            ],
            options={
                'verbose_name': 'valor buscable',
                'verbose_name_plural': 'valores buscables',
            },
        ),
        migrations.RunSQL(COPIAR, migrations.RunSQL.noop),
        migrations.RunPython(sql_solo_postgres(CREAR), sql_solo_postgres(DESHACER)),
    ]
