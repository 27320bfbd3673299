"""Bulk inserts for the seeders: ids from the table's own sequence, and COPY of unsaved
model instances (PostgreSQL only; the bench databases are PostgreSQL)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone


def reservar_ids(modelo, objetos: list) -> None:
    """Give unsaved objects ids from the table's own sequence (so COPY can insert them and
    their children can point at them)."""
    if not objetos:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)",
                       [modelo._meta.db_table, modelo._meta.pk.column, len(objetos)])
        for objeto, (pk,) in zip(objetos, cursor.fetchall(), strict=True):
            objeto.pk = pk


def copiar(modelo, objetos: list, *, con_id: bool = False) -> int:
    """COPY unsaved model instances into the model's table: every concrete column, values
    prepared by the fields themselves (JSON, decimals, aware datetimes); auto_now fields
    take the value set on the object, else now."""
    if not objetos:
        return 0
    campos = [f for f in modelo._meta.concrete_fields if con_id or not f.primary_key]
    columnas = ", ".join(connection.ops.quote_name(f.column) for f in campos)
    ahora = timezone.now()
    automaticos = {f.attname for f in campos
                   if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    # A foreign key assigned an object before that object got its id keeps a None id.
    relaciones = {f.attname: f for f in campos if f.many_to_one}
    with connection.cursor() as cursor, cursor.cursor.copy(
            f'COPY "{modelo._meta.db_table}" ({columnas}) FROM STDIN') as copia:
        for objeto in objetos:
            fila = []
            for campo in campos:
                valor = getattr(objeto, campo.attname)
                if valor is None:
                    if campo.attname in automaticos:
                        valor = ahora
                    elif campo.attname in relaciones:
                        relacionado = campo.get_cached_value(objeto, None)
                        valor = relacionado.pk if relacionado is not None else None
                fila.append(campo.get_db_prep_save(valor, connection))
            copia.write_row(fila)
    return len(objetos)
