"""Append-only at the database: UPDATE, DELETE and TRUNCATE of audit rows raise on PostgreSQL.

A database superuser can still ``ALTER TABLE ... DISABLE TRIGGER``; that is what the hash chain
and ``verificar_auditoria`` are for. TRUNCATE is allowed only when the session sets
``cgii.auditoria_vaciar = on``, which only the ``flush`` command override does.
"""

from django.db import migrations

TABLA = "auditoria_registroauditoria"

CREAR = f"""
CREATE FUNCTION auditoria_solo_agregar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('cgii.auditoria_vaciar', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'El registro de auditoría es de solo inserción: % no permitido', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER auditoria_solo_agregar_filas
    BEFORE UPDATE OR DELETE ON {TABLA}
    FOR EACH ROW EXECUTE FUNCTION auditoria_solo_agregar();
CREATE TRIGGER auditoria_solo_agregar_truncate
    BEFORE TRUNCATE ON {TABLA}
    FOR EACH STATEMENT EXECUTE FUNCTION auditoria_solo_agregar();
"""

BORRAR = f"""
DROP TRIGGER IF EXISTS auditoria_solo_agregar_truncate ON {TABLA};
DROP TRIGGER IF EXISTS auditoria_solo_agregar_filas ON {TABLA};
DROP FUNCTION IF EXISTS auditoria_solo_agregar();
"""


def _solo_postgresql(sql):
    def ejecutar(apps, schema_editor):
        # SQLite (embedded mode) has no such guard; the model and the chain still apply.
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has a literal "%"

    return ejecutar


class Migration(migrations.Migration):
    dependencies = [("auditoria", "0001_initial")]

    operations = [
        migrations.RunPython(_solo_postgresql(CREAR), _solo_postgresql(BORRAR), elidable=False),
    ]
