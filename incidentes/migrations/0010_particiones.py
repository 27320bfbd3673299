"""The incident timeline partitioned by year of ``creado`` on PostgreSQL, with its rows.

Primary key (id, creado) in the database; the model keeps ``id`` (docs/particiones.md).
No foreign key points at the timeline. SQLite: nothing.
"""

from django.db import migrations

from cgii.bd.conversion import desparticionar, particionar

TABLA = "incidentes_entradatimeline"


def adelante(apps, schema_editor):
    particionar(schema_editor, tabla=TABLA, columna="creado", granularidad="anio",
                clave=("id", "creado"))


def atras(apps, schema_editor):
    desparticionar(schema_editor, tabla=TABLA, clave=("id",))


class Migration(migrations.Migration):

    dependencies = [
        ("incidentes", "0009_indices_lista"),
    ]

    operations = [migrations.RunPython(adelante, atras, elidable=False)]
