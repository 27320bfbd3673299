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


# Fields whose Python value psycopg adapts as it is (get_db_prep_save only costs time there:
# it is most of a COPY's Python time for millions of rows).
_DIRECTOS = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "BooleanField",
             "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
             "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField",
             "BigAutoField", "ForeignKey", "OneToOneField", "UUIDField", "GenericIPAddressField"}


def _preparador(campo):
    tipo = campo.get_internal_type()
    if tipo in _DIRECTOS:
        return None
    if tipo == "DateTimeField":
        return lambda v: v if v is None or v.tzinfo is not None else \
            campo.get_db_prep_save(v, connection)
    if tipo == "JSONField":
        import json

        return lambda v: None if v is None else json.dumps(v, cls=campo.encoder)
    return lambda v: campo.get_db_prep_save(v, connection)


def copiar(modelo, objetos: list, *, con_id: bool = False) -> int:
    """COPY unsaved model instances into the model's table: every concrete column, values
    prepared as the fields would (JSON, decimals, aware datetimes); auto_now fields
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
    nombres = [f.attname for f in campos]
    preparar = [(i, p) for i, p in enumerate(_preparador(f) for f in campos) if p]
    with connection.cursor() as cursor, cursor.cursor.copy(
            f'COPY "{modelo._meta.db_table}" ({columnas}) FROM STDIN') as copia:
        for objeto in objetos:
            atributos = objeto.__dict__
            fila = [atributos.get(n) for n in nombres]
            for i, valor in enumerate(fila):
                if valor is None:
                    nombre = nombres[i]
                    if nombre in automaticos:
                        fila[i] = ahora
                    elif nombre in relaciones:
                        relacionado = relaciones[nombre].get_cached_value(objeto, None)
                        fila[i] = relacionado.pk if relacionado is not None else None
            for i, prep in preparar:
                fila[i] = prep(fila[i])
            copia.write_row(fila)
    return len(objetos)


def copiar_tuplas(modelo, columnas: list[str], filas) -> int:
    """COPY rows given as tuples of ``columnas`` (attnames; values psycopg adapts as they are:
    str, int, bool, aware datetimes, None; JSON as its text). Every other concrete column gets
    its field's default, computed once (``auto_now``: now). Faster than ``copiar`` for
    millions of rows (no model instances, no per-field preparation), and a column another
    migration adds later with a default needs no change here."""
    campos = {f.attname: f for f in modelo._meta.concrete_fields}
    faltan = [c for c in columnas if c not in campos]
    if faltan:
        raise ValueError(f"{modelo.__name__} has no column(s) {faltan}")
    ahora = timezone.now()
    resto, constantes = [], []
    for nombre, campo in campos.items():
        if nombre in columnas or campo.primary_key:
            continue
        if getattr(campo, "auto_now", False) or getattr(campo, "auto_now_add", False):
            valor = ahora
        else:
            valor = campo.get_default()  # "" for a text field without one
            if valor is None and not campo.null:
                raise ValueError(f"{modelo.__name__}.{nombre} has no default: give it a value")
        resto.append(campo.column)
        constantes.append(campo.get_db_prep_save(valor, connection))
    nombres = [campos[c].column for c in columnas] + resto
    lista = ", ".join(connection.ops.quote_name(c) for c in nombres)
    extra = tuple(_texto_json(v) for v in constantes)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f'COPY "{modelo._meta.db_table}" ({lista}) FROM STDIN') as copia:
        escribir = copia.write_row
        if extra:
            for fila in filas:
                escribir((*fila, *extra))
                n += 1
        else:
            for fila in filas:
                escribir(fila)
                n += 1
    return n


def _texto_json(valor):
    """A prepared JSONField default (a psycopg Jsonb wrapper) as the text COPY reads."""
    obj = getattr(valor, "obj", None)
    if obj is not None and type(valor).__name__ in ("Jsonb", "Json"):
        import json

        return json.dumps(obj)
    return valor
