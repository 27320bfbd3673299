"""SLA crossings partitioned by year of ``umbral`` on PostgreSQL, with their rows.

``umbral`` is in the unique (reloj, tipo, umbral), so that constraint survives as it is and
keeps a sweep run twice from recording a crossing twice. Primary key (id, umbral) in the
database; the model keeps ``id`` (docs/particiones.md). SQLite: nothing.
"""

from django.db import migrations

from cgii.bd.conversion import desparticionar, particionar

TABLA = "protocolos_crucesla"


def adelante(apps, schema_editor):
    particionar(schema_editor, tabla=TABLA, columna="umbral", granularidad="anio",
                clave=("id", "umbral"))


def atras(apps, schema_editor):
    desparticionar(schema_editor, tabla=TABLA, clave=("id",))


class Migration(migrations.Migration):

    dependencies = [
        ("protocolos", "0001_initial"),
    ]

    operations = [migrations.RunPython(adelante, atras, elidable=False)]
