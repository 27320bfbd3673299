"""Autovacuum for the incident table at national scale (issue 22).

PostgreSQL's defaults vacuum a table after 20 % of its rows changed: 200,000 at 1,000,000
incidents. The rows that change are the open ones at the head of the console's SLA-urgency
order (every state change and SLA refresh writes ``vence_sla``/``estado_sla``, indexed, so
no HOT update), and until a vacuum every list page and the console's counters walk their
dead versions: bench/escala.py measured the list's next pages and the console ~40 % slower
after 15,000 dead rows. 1 % (10,000 rows at 1M) keeps that head clean; the clocks table is
rewritten on every SLA event, so the same for it. Nothing on SQLite.
"""

from django.db import migrations

TABLAS = ("incidentes_incidente", "protocolos_relojsla")
AJUSTES = ("autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02, "
           "autovacuum_vacuum_insert_scale_factor = 0.02")
NOMBRES = ("autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor, "
           "autovacuum_vacuum_insert_scale_factor")


def _ejecutar(schema_editor, plantilla: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for tabla in TABLAS:
        schema_editor.execute(plantilla.format(tabla=tabla))


def ajustar(apps, schema_editor):
    _ejecutar(schema_editor, f"ALTER TABLE {{tabla}} SET ({AJUSTES})")


def restablecer(apps, schema_editor):
    _ejecutar(schema_editor, f"ALTER TABLE {{tabla}} RESET ({NOMBRES})")


class Migration(migrations.Migration):
    dependencies = [
        ("incidentes", "0011_similitud_duplicado"),
        ("protocolos", "0002_particiones"),
    ]

    operations = [migrations.RunPython(ajustar, restablecer)]
