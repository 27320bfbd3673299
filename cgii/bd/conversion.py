"""Convert an existing table to a RANGE-partitioned one and back, with its data (migrations).

PostgreSQL cannot turn a plain table into a partitioned one in place, so ``particionar``:
renames the table (and its indexes and identity sequence) aside, creates the partitioned
table with the same columns, defaults, CHECKs and identity, creates a partition for every
period holding data plus the coming ones and a DEFAULT, copies the rows, recreates the
primary key (now including the partition key), the indexes, the unique constraints that
include the partition key, the outgoing foreign keys and the user triggers, drops the old
table and moves the identity sequence past the copied ids. ``desparticionar`` is the reverse.

Both run inside the migration's transaction (DDL is transactional in PostgreSQL): a failure
leaves the table as it was. Both do nothing on SQLite. A foreign key *into* the table cannot
survive (a referenced key would have to include the partition key): the caller removes such
constraints first (``db_constraint=False``), and this refuses to run while one exists.
"""

from datetime import UTC, datetime

from cgii.bd.particiones import (
    TablaParticionada,
    _q,
    asegurar_particiones,
    crear_particion,
    esta_particionada,
    nombre_default,
    periodos,
)

_APARTE = "__plana"


def _corto(nombre: str) -> str:
    return (nombre[:55] + _APARTE)[:63]


def _definiciones(cursor, tabla: str) -> dict:
    """What must be recreated on the new table, read before the old one is renamed."""
    cursor.execute(
        """SELECT ci.relname, pg_get_indexdef(i.indexrelid), c.contype, c.conname,
                  pg_get_constraintdef(c.oid)
             FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
             LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
            WHERE i.indrelid = to_regclass(%s)""", [tabla])
    indices, restricciones, pk = [], [], None
    for indice, definicion, tipo, restriccion, def_restriccion in cursor.fetchall():
        if tipo == "p":
            pk = restriccion
        elif tipo == "u":
            restricciones.append((restriccion, def_restriccion, indice))
        else:
            indices.append((indice, definicion))
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = to_regclass(%s) AND contype = 'f'", [tabla])
    foraneas = cursor.fetchall()
    cursor.execute("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                   "WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal "
                   "AND tgparentid = 0", [tabla])
    disparadores = cursor.fetchall()
    cursor.execute("SELECT conname, conrelid::regclass::text FROM pg_constraint "
                   "WHERE confrelid = to_regclass(%s) AND contype = 'f'", [tabla])
    entrantes = cursor.fetchall()
    cursor.execute("SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
                   "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped "
                   "AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
                   [tabla, tabla, tabla])
    secuencias = cursor.fetchall()
    return {"indices": indices, "unicas": restricciones, "pk": pk, "foraneas": foraneas,
            "disparadores": disparadores, "entrantes": entrantes, "secuencias": secuencias}


def _apartar(cursor, tabla: str, d: dict) -> str:
    vieja = _corto(tabla)
    cursor.execute(f"ALTER TABLE {_q(tabla)} RENAME TO {_q(vieja)}")
    nombres = [i for i, _ in d["indices"]] + [i for _, _, i in d["unicas"]]
    if d["pk"]:
        nombres.append(d["pk"])
    for indice in nombres:
        cursor.execute(f"ALTER INDEX {_q(indice)} RENAME TO {_q(_corto(indice))}")
    for _, secuencia in d["secuencias"]:
        # "public.tabla_id_seq" → rename so the new table's identity can take the plain name.
        esquema, _, nombre = secuencia.rpartition(".")
        cursor.execute(f"ALTER SEQUENCE {secuencia} RENAME TO {_q(_corto(nombre.strip(chr(34))))}")
    return vieja


def _terminar(cursor, tabla: str, vieja: str, d: dict, *, clave: tuple[str, ...],
              omitir: set[str], extra: list[str]) -> None:
    columnas = ", ".join(_q(c) for c in clave)
    cursor.execute(f"INSERT INTO {_q(tabla)} OVERRIDING SYSTEM VALUE SELECT * FROM {_q(vieja)}")
    nombre_pk = d["pk"] or f"{tabla}_pkey"
    cursor.execute(f"ALTER TABLE {_q(tabla)} ADD CONSTRAINT {_q(nombre_pk)} PRIMARY KEY ({columnas})")
    for nombre, definicion, _ in d["unicas"]:
        if nombre not in omitir:
            cursor.execute(f"ALTER TABLE {_q(tabla)} ADD CONSTRAINT {_q(nombre)} {definicion}")
    for nombre, definicion in d["indices"]:
        if nombre not in omitir:
            cursor.execute(definicion)
    for nombre, definicion in d["foraneas"]:
        cursor.execute(f"ALTER TABLE {_q(tabla)} ADD CONSTRAINT {_q(nombre)} {definicion}")
    cursor.execute(f"DROP TABLE {_q(vieja)}")
    for _, definicion in d["disparadores"]:
        cursor.execute(definicion)
    for sql in extra:
        cursor.execute(sql)
    for columna, _ in d["secuencias"]:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({_q(columna)}), 1), "
            f"max({_q(columna)}) IS NOT NULL) FROM {_q(tabla)}", [tabla, columna])
    cursor.execute(f"ANALYZE {_q(tabla)}")


def _comprobar_entrantes(d: dict, tabla: str) -> None:
    if d["entrantes"]:
        raise RuntimeError(
            f"{tabla}: claves foráneas entrantes {d['entrantes']}; quítelas antes "
            "(db_constraint=False) para particionar.")


_COPIAR = ("INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED "
           "INCLUDING STORAGE INCLUDING COMMENTS")


def particionar(schema_editor, *, tabla: str, columna: str, granularidad: str,
                clave: tuple[str, ...], adelante: int = 3, omitir: tuple[str, ...] = (),
                extra: tuple[str, ...] = (), ahora: datetime | None = None) -> None:
    """Plain ``tabla`` → partitioned by RANGE (``columna``), data kept. ``clave`` is the new
    primary key (must include ``columna``); ``omitir`` names unique constraints/indexes not
    to recreate (those without the partition key); ``extra`` runs after (their stand-ins)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if esta_particionada(cursor, tabla):
            return
        d = _definiciones(cursor, tabla)
        _comprobar_entrantes(d, tabla)
        vieja = _apartar(cursor, tabla, d)
        cursor.execute(f"CREATE TABLE {_q(tabla)} (LIKE {_q(vieja)} {_COPIAR}) "
                       f"PARTITION BY RANGE ({_q(columna)})")
        cursor.execute(f"SELECT min({_q(columna)}), max({_q(columna)}) FROM {_q(vieja)}")
        minimo, maximo = cursor.fetchone()
        ahora = ahora or datetime.now(UTC)
        if minimo is not None:
            for inicio, fin in periodos(minimo, max(maximo, ahora), granularidad):
                crear_particion(cursor, tabla, inicio, fin, granularidad, columna)
        t = TablaParticionada(tabla, columna, granularidad, "")
        asegurar_particiones(cursor, t, ahora=ahora, adelante=adelante)
        cursor.execute(f"CREATE TABLE {_q(nombre_default(tabla))} PARTITION OF {_q(tabla)} DEFAULT")
        _terminar(cursor, tabla, vieja, d, clave=clave, omitir=set(omitir), extra=list(extra))


def desparticionar(schema_editor, *, tabla: str, clave: tuple[str, ...],
                   omitir: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> None:
    """Partitioned ``tabla`` → one plain table with the same rows (the reverse migration)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not esta_particionada(cursor, tabla):
            return
        d = _definiciones(cursor, tabla)
        _comprobar_entrantes(d, tabla)
        vieja = _apartar(cursor, tabla, d)
        cursor.execute(f"CREATE TABLE {_q(tabla)} (LIKE {_q(vieja)} {_COPIAR})")
        _terminar(cursor, tabla, vieja, d, clave=clave, omitir=set(omitir), extra=list(extra))
