"""The outbox partitioned by month of ``creado`` on PostgreSQL, with its rows (docs/particiones.md).

The receipts' foreign key loses its database constraint first (a partitioned table's key is
(id, creado): ``id`` alone cannot be referenced). The unique ``secuencia`` becomes unique
(secuencia, creado): a unique constraint must include the partition key; the dispatcher
numbering under its lock is what keeps ``secuencia`` unique. SQLite: state only.
"""

import django.db.models.deletion
from django.db import migrations, models

from cgii.bd.conversion import desparticionar, particionar

TABLA = "eventos_evento"
UNICA = "eventos_evento_secuencia_unica"


def adelante(apps, schema_editor):
    particionar(schema_editor, tabla=TABLA, columna="creado", granularidad="mes",
                clave=("id", "creado"), omitir=("eventos_evento_secuencia_key",),
                extra=(f'ALTER TABLE "{TABLA}" ADD CONSTRAINT "{UNICA}" UNIQUE (secuencia, creado)',))


def atras(apps, schema_editor):
    desparticionar(schema_editor, tabla=TABLA, clave=("id",), omitir=(UNICA,),
                   extra=(f'ALTER TABLE "{TABLA}" ADD CONSTRAINT "eventos_evento_secuencia_key" '
                          'UNIQUE (secuencia)',))


class Migration(migrations.Migration):

    dependencies = [
        ("eventos", "0005_resumen_correo"),
    ]

    operations = [
        migrations.AlterField(
            model_name="entregasumidero",
            name="evento",
            field=models.ForeignKey(db_constraint=False,
                                    on_delete=django.db.models.deletion.CASCADE,
                                    related_name="entregas_sumidero", to="eventos.evento"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="evento",
                    name="secuencia",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="secuencia"),
                ),
                migrations.AddConstraint(
                    model_name="evento",
                    constraint=models.UniqueConstraint(fields=("secuencia", "creado"), name=UNICA),
                ),
            ],
            database_operations=[migrations.RunPython(adelante, atras, elidable=False)],
        ),
    ]
