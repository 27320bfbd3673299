"""Issue 22: an index per keyset order of the incident lists (docs/listas.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidentes', '0008_tareas_propias'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='incidente',
            name='incidente_entidad_urgencia',
        ),
        migrations.RemoveIndex(
            model_name='incidente',
            name='incidente_creado',
        ),
        migrations.AddIndex(
            model_name='incidente',
            index=models.Index(fields=['entidad', 'vence_sla', '-creado', '-id'], name='incidente_entidad_urgencia'),
        ),
        migrations.AddIndex(
            model_name='incidente',
            index=models.Index(fields=['creado', 'id'], name='incidente_creado_id'),
        ),
        migrations.AddIndex(
            model_name='incidente',
            index=models.Index(fields=['entidad', 'creado', 'id'], name='incidente_entidad_creado'),
        ),
        migrations.AddIndex(
            model_name='incidente',
            index=models.Index(fields=['prioridad', 'vence_sla', '-id'], name='incidente_prioridad_urgencia'),
        ),
    ]
