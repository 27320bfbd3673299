"""Default deadline parameters, and immutability of closed follow-up at the database.

On PostgreSQL a trigger refuses UPDATE and DELETE of snapshot rows, of a closed period and of
the reviews of a closed period (the models refuse it too; this closes raw SQL and bulk paths).
Row triggers do not fire on TRUNCATE, so test flushes still work. SQLite (embedded profile)
relies on the model guards only.
"""

from django.db import migrations

PLAZOS = [
    ("revision_cgii", 30, "Revisión del CGII desde la presentación del plan."),
    ("ajuste_entidad", 15, "Ajuste de la entidad desde las observaciones del CGII."),
    ("aprobacion_mae", 10, "Aprobación por resolución de la MAE desde la conformidad."),
    ("registro", 10, "Registro del plan aprobado desde la aprobación de la MAE."),
]


def crear_plazos(apps, schema_editor):
    ParametroPlazo = apps.get_model("planes_seguridad", "ParametroPlazo")
    for tipo, dias, descripcion in PLAZOS:
        ParametroPlazo.objects.get_or_create(
            tipo=tipo, defaults={"dias_habiles": dias, "dias_advertencia": 3,
                                 "descripcion": descripcion})


CREAR = """
CREATE FUNCTION pisi_snapshot_inmutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'La instantánea de un periodo cerrado es inmutable: % no permitido', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER pisi_snapshot_inmutable_filas
    BEFORE UPDATE OR DELETE ON planes_seguridad_snapshotcontrol
    FOR EACH ROW EXECUTE FUNCTION pisi_snapshot_inmutable();

CREATE FUNCTION pisi_periodo_cerrado() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.estado = 'cerrado' THEN
        RAISE EXCEPTION 'Un periodo de seguimiento cerrado no se modifica: % no permitido', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER pisi_periodo_cerrado_filas
    BEFORE UPDATE OR DELETE ON planes_seguridad_periodoseguimiento
    FOR EACH ROW EXECUTE FUNCTION pisi_periodo_cerrado();

CREATE FUNCTION pisi_revision_de_periodo_cerrado() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM planes_seguridad_periodoseguimiento p
               WHERE p.id = OLD.periodo_id AND p.estado = 'cerrado') THEN
        RAISE EXCEPTION 'La revisión de un periodo cerrado no se modifica: % no permitido', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER pisi_revision_de_periodo_cerrado_filas
    BEFORE UPDATE OR DELETE ON planes_seguridad_revisioncontrol
    FOR EACH ROW EXECUTE FUNCTION pisi_revision_de_periodo_cerrado();
"""

BORRAR = """
DROP TRIGGER IF EXISTS pisi_revision_de_periodo_cerrado_filas ON planes_seguridad_revisioncontrol;
DROP FUNCTION IF EXISTS pisi_revision_de_periodo_cerrado();
DROP TRIGGER IF EXISTS pisi_periodo_cerrado_filas ON planes_seguridad_periodoseguimiento;
DROP FUNCTION IF EXISTS pisi_periodo_cerrado();
DROP TRIGGER IF EXISTS pisi_snapshot_inmutable_filas ON planes_seguridad_snapshotcontrol;
DROP FUNCTION IF EXISTS pisi_snapshot_inmutable();
"""


def _solo_postgresql(sql):
    def ejecutar(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has a literal "%"

    return ejecutar


class Migration(migrations.Migration):
    dependencies = [("planes_seguridad", "0001_initial")]

    operations = [
        migrations.RunPython(crear_plazos, migrations.RunPython.noop),
        migrations.RunPython(_solo_postgresql(CREAR), _solo_postgresql(BORRAR), elidable=False),
    ]
