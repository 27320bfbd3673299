"""The audit log partitioned by year of ``momento`` on PostgreSQL, with its rows; anchors.

Primary key (secuencia, momento) in the database; the model keeps ``secuencia``: it is
assigned under the chain's advisory lock, and a duplicate would break the chain, which
``verificar_auditoria`` reports. The append-only triggers are recreated on the partitioned
table (the row trigger is cloned onto every partition). ``AnclaAuditoria`` seals a partition
that retention drops (docs/particiones.md). SQLite: only the anchor table.
"""

from django.db import migrations, models

from cgii.bd.conversion import desparticionar, particionar

TABLA = "auditoria_registroauditoria"


def adelante(apps, schema_editor):
    particionar(schema_editor, tabla=TABLA, columna="momento", granularidad="anio",
                clave=("secuencia", "momento"))


def atras(apps, schema_editor):
    desparticionar(schema_editor, tabla=TABLA, clave=("secuencia",))


class Migration(migrations.Migration):

    dependencies = [
        ("auditoria", "0002_solo_agregar"),
    ]

    operations = [
        migrations.CreateModel(
            name="AnclaAuditoria",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("particion", models.CharField(max_length=63, verbose_name="partición")),
                ("desde_secuencia", models.PositiveBigIntegerField(verbose_name="desde secuencia")),
                ("hasta_secuencia", models.PositiveBigIntegerField(unique=True,
                                                                   verbose_name="hasta secuencia")),
                ("ultimo_hash", models.CharField(max_length=64, verbose_name="último hash")),
                ("cantidad", models.PositiveBigIntegerField(verbose_name="registros")),
                ("momento_desde", models.DateTimeField(verbose_name="desde")),
                ("momento_hasta", models.DateTimeField(verbose_name="hasta")),
                ("creado", models.DateTimeField(auto_now_add=True, verbose_name="creado")),
            ],
            options={
                "verbose_name": "ancla de auditoría",
                "verbose_name_plural": "anclas de auditoría",
                "ordering": ["hasta_secuencia"],
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(adelante, atras, elidable=False),
    ]
