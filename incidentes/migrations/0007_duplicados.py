"""Duplicate suggestion and merge (issue 18): the suggested master stored at intake, the
merge mark that makes unmarking refuse, and pg_trgm with a GIN trigram index on the titles
(``titulo %% …`` finds similar reports). PostgreSQL only for the extension and index: the
embedded SQLite profile compares trigrams in Python over the entity's recent incidents."""

import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from cgii.migraciones import sql_solo_postgres

CREAR = ["CREATE INDEX IF NOT EXISTS incidente_titulo_trgm ON incidentes_incidente "
         "USING gin (titulo gin_trgm_ops)"]
BORRAR = ["DROP INDEX IF EXISTS incidente_titulo_trgm"]


class Migration(migrations.Migration):

    dependencies = [
        ('incidentes', '0006_indice_cuentas_vistas'),
    ]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm (no-op on SQLite)
        migrations.AddField(
            model_name='incidente',
            name='fusionado_en',
            field=models.DateTimeField(blank=True, null=True, verbose_name='fusionado en el maestro'),
        ),
        migrations.AddField(
            model_name='incidente',
            name='posible_duplicado',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidentes.incidente', verbose_name='posible duplicado de'),
        ),
        migrations.AlterField(
            model_name='entradatimeline',
            name='tipo',
            field=models.CharField(choices=[('reporte', 'Reporte'), ('transicion', 'Cambio de estado'), ('clasificacion', 'Clasificación'), ('asignacion', 'Asignación'), ('comentario', 'Comentario interno'), ('mensaje', 'Mensaje'), ('solicitud', 'Solicitud de información'), ('respuesta', 'Respuesta de la entidad'), ('confirmacion', 'Confirmación de la entidad'), ('tarea', 'Tarea'), ('evidencia', 'Evidencia'), ('indicadores', 'Indicadores'), ('sla', 'SLA'), ('fuente', 'Eventos de fuente externa'), ('fusion', 'Fusión de duplicados')], max_length=15, verbose_name='tipo'),
        ),
        migrations.RunPython(sql_solo_postgres(CREAR), sql_solo_postgres(BORRAR)),
    ]
