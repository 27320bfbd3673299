"""Time-partitioned tables: conversion, partitions created ahead, retention (docs/particiones.md).

PostgreSQL only (declarative RANGE partitioning on the row's creation time). On SQLite every
function here returns without doing anything: the embedded profile keeps plain tables.

An app declares its partitioned tables in its own ``particiones.py`` as plain data::

    PARTICIONES = [TablaParticionada("incidentes_entradatimeline", "creado", ANIO,
                                     "RETENCION_TIMELINE_DIAS")]

``mantener`` (the periodic job ``cgii.particiones`` and the ``mantener_particiones`` command)
creates the partitions of the coming periods and drops whole partitions past their table's
retention, only when every row in them may go. Each table also has a DEFAULT partition, so an
insert never fails for lack of a partition; ``crear_particion`` moves any rows the default
caught into the new partition.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string, module_has_submodule

logger = logging.getLogger(__name__)

MES = "mes"
ANIO = "anio"

# pg_advisory_xact_lock namespace for maintenance ("cgiipart"), one key per table (hashtext).
_CERROJO = 0x6367_6969_7061_7274 % (2**31)


@dataclass(frozen=True)
class TablaParticionada:
    tabla: str
    columna: str
    granularidad: str                 # MES or ANIO
    retencion: str                    # settings name: days to keep, None = keep forever
    # SELECT returning a row when the partition {particion} holds a row that must be kept
    # (e.g. an undelivered event). None: every row past the retention may go.
    retenidas_sql: str | None = None
    # Dotted path called as f(tabla=..., particion=..., desde=..., hasta=...) inside the
    # dropping transaction, before the DROP (the audit log records its anchor there).
    antes_de_eliminar: str | None = None
    # Drop only the oldest partitions, in order, stopping at the first kept one (a hash
    # chain can only lose its beginning).
    solo_prefijo: bool = False


@dataclass(frozen=True)
class Particion:
    nombre: str
    desde: datetime | None   # None for the DEFAULT partition
    hasta: datetime | None

    @property
    def es_default(self) -> bool:
        return self.desde is None


# ---- periods (pure) --------------------------------------------------------------------

def periodo(momento: datetime, granularidad: str) -> tuple[datetime, datetime]:
    """The UTC month or year holding ``momento``: [start, end)."""
    m = momento.astimezone(UTC)
    if granularidad == ANIO:
        return datetime(m.year, 1, 1, tzinfo=UTC), datetime(m.year + 1, 1, 1, tzinfo=UTC)
    if granularidad == MES:
        inicio = datetime(m.year, m.month, 1, tzinfo=UTC)
        fin = datetime(m.year + (m.month == 12), m.month % 12 + 1, 1, tzinfo=UTC)
        return inicio, fin
    raise ValueError(f"Granularidad desconocida: {granularidad}")


def periodos(desde: datetime, hasta: datetime, granularidad: str) -> list[tuple[datetime, datetime]]:
    """Every period from the one holding ``desde`` to the one holding ``hasta``."""
    salida = []
    inicio, fin = periodo(desde, granularidad)
    while inicio <= hasta:
        salida.append((inicio, fin))
        inicio, fin = periodo(fin, granularidad)
    return salida


def nombre_particion(tabla: str, inicio: datetime, granularidad: str) -> str:
    if granularidad == ANIO:
        return f"{tabla}_p{inicio:%Y}"
    return f"{tabla}_p{inicio:%Y_%m}"


def nombre_default(tabla: str) -> str:
    return f"{tabla}_pdefault"


# ---- catalog reads ---------------------------------------------------------------------

def es_postgresql(conexion=None) -> bool:
    return (conexion or connection).vendor == "postgresql"


def esta_particionada(cursor, tabla: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [tabla])
    fila = cursor.fetchone()
    return bool(fila) and fila[0] == "p"


def particiones(cursor, tabla: str) -> list[Particion]:
    """The table's partitions, oldest first, the DEFAULT last."""
    cursor.execute(
        """SELECT c.relname,
                  (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1],
                  (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass(%s)""",
        [tabla],
    )
    salida = []
    for nombre, desde, hasta in cursor.fetchall():
        salida.append(Particion(nombre, _instante(desde), _instante(hasta)))
    return sorted(salida, key=lambda p: (p.es_default, p.desde or datetime.max.replace(tzinfo=UTC)))


def _instante(texto: str | None) -> datetime | None:
    if texto is None:
        return None
    # Printed in the session time zone (UTC for Django connections), e.g. "2026-01-01 00:00:00+00".
    return datetime.fromisoformat(texto).astimezone(UTC)


def _q(nombre: str) -> str:
    return '"' + nombre.replace('"', '""') + '"'


# ---- partitions ------------------------------------------------------------------------

def crear_particion(cursor, tabla: str, inicio: datetime, fin: datetime, granularidad: str,
                    columna: str) -> str | None:
    """Create the partition [inicio, fin) unless it exists; rows of that range the DEFAULT
    partition caught meanwhile move into it (CREATE ... PARTITION OF would refuse them).
    Returns the new partition's name, or None when there was nothing to do."""
    nombre = nombre_particion(tabla, inicio, granularidad)
    existentes = particiones(cursor, tabla)
    for p in existentes:
        if not p.es_default and p.desde < fin and inicio < p.hasta:
            return None  # this range (or part of it) already has a partition
    limites = [inicio.isoformat(), fin.isoformat()]
    default = next((p.nombre for p in existentes if p.es_default), None)
    atrapadas = False
    if default:
        cursor.execute(f"SELECT 1 FROM {_q(default)} WHERE {_q(columna)} >= %s "
                       f"AND {_q(columna)} < %s LIMIT 1", limites)
        atrapadas = cursor.fetchone() is not None
    if not atrapadas:
        cursor.execute(f"CREATE TABLE {_q(nombre)} PARTITION OF {_q(tabla)} "
                       f"FOR VALUES FROM (%s) TO (%s)", limites)
    else:
        # Detach the default, create the partition, move the rows, re-attach: the rows are
        # copied verbatim (the audit hash chain covers exactly what is stored). The move is
        # a DELETE from a detached table, so the append-only trigger of the audit log is
        # disabled for it on that table alone, inside this transaction.
        cursor.execute(f"ALTER TABLE {_q(tabla)} DETACH PARTITION {_q(default)}")
        cursor.execute(f"CREATE TABLE {_q(nombre)} PARTITION OF {_q(tabla)} "
                       f"FOR VALUES FROM (%s) TO (%s)", limites)
        cursor.execute(f"INSERT INTO {_q(tabla)} OVERRIDING SYSTEM VALUE SELECT * FROM "
                       f"{_q(default)} WHERE {_q(columna)} >= %s AND {_q(columna)} < %s", limites)
        cursor.execute(f"ALTER TABLE {_q(default)} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {_q(default)} WHERE {_q(columna)} >= %s "
                       f"AND {_q(columna)} < %s", limites)
        cursor.execute(f"ALTER TABLE {_q(default)} ENABLE TRIGGER USER")
        cursor.execute(f"ALTER TABLE {_q(tabla)} ATTACH PARTITION {_q(default)} DEFAULT")
        logger.warning("Filas de %s movidas de la partición por defecto a %s", tabla, nombre)
    return nombre


def asegurar_particiones(cursor, t: TablaParticionada, *, ahora: datetime,
                         adelante: int) -> list[str]:
    """Partitions for the current period and the next ``adelante`` ones (idempotent)."""
    creadas = []
    inicio, fin = periodo(ahora, t.granularidad)
    for _ in range(adelante + 1):
        nombre = crear_particion(cursor, t.tabla, inicio, fin, t.granularidad, t.columna)
        if nombre:
            creadas.append(nombre)
        inicio, fin = periodo(fin, t.granularidad)
    return creadas


def aplicar_retencion(cursor, t: TablaParticionada, *, ahora: datetime) -> list[str]:
    """Drop the partitions wholly older than the table's retention whose every row may go."""
    dias = getattr(settings, t.retencion, None)
    if dias is None:
        return []
    limite = ahora - timedelta(days=dias)
    eliminadas = []
    todas = particiones(cursor, t.tabla)
    default = next((p.nombre for p in todas if p.es_default), None)
    for p in todas:
        if p.es_default or p.hasta > limite:
            break
        if t.solo_prefijo and default and _tiene_anteriores(cursor, default, t.columna, p.hasta):
            break  # older rows sit in the DEFAULT: dropping this would cut the chain's middle
        if t.retenidas_sql:
            cursor.execute(t.retenidas_sql.format(particion=_q(p.nombre)))
            if cursor.fetchone() is not None:
                if t.solo_prefijo:
                    break
                continue
        if t.antes_de_eliminar:
            import_string(t.antes_de_eliminar)(tabla=t.tabla, particion=p.nombre,
                                               desde=p.desde, hasta=p.hasta)
        cursor.execute(f"DROP TABLE {_q(p.nombre)}")
        eliminadas.append(p.nombre)
    return eliminadas


def _tiene_anteriores(cursor, particion: str, columna: str, hasta: datetime) -> bool:
    cursor.execute(f"SELECT 1 FROM {_q(particion)} WHERE {_q(columna)} < %s LIMIT 1", [hasta])
    return cursor.fetchone() is not None


# ---- the periodic job ------------------------------------------------------------------

def declaradas() -> list[TablaParticionada]:
    """Every app's ``particiones.PARTICIONES``, in INSTALLED_APPS order."""
    salida = []
    for app in settings.INSTALLED_APPS:
        nombre_app = getattr(app, "name", app)
        try:
            paquete = import_module(nombre_app)
        except ImportError:
            continue
        if nombre_app == "cgii" or not module_has_submodule(paquete, "particiones"):
            continue
        salida.extend(import_module(f"{nombre_app}.particiones").PARTICIONES)
    return salida


@dataclass(frozen=True)
class Mantenimiento:
    tabla: str
    creadas: list[str]
    eliminadas: list[str]


def mantener(*, ahora: datetime | None = None, adelante: int | None = None) -> list[Mantenimiento]:
    """Create the coming partitions and apply retention on every declared table.

    One transaction per table, under a per-table advisory lock, so a beat run and the
    embedded ticker never race on the same table. Tables not (yet) partitioned are skipped.
    """
    if not es_postgresql():
        return []
    ahora = ahora or timezone.now()
    adelante = settings.PARTICIONES_ADELANTE if adelante is None else adelante
    salida = []
    for t in declaradas():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_CERROJO, t.tabla])
            if not esta_particionada(cursor, t.tabla):
                continue
            creadas = asegurar_particiones(cursor, t, ahora=ahora, adelante=adelante)
            eliminadas = aplicar_retencion(cursor, t, ahora=ahora)
        if creadas or eliminadas:
            logger.info("Particiones de %s: creadas %s, eliminadas %s", t.tabla, creadas,
                        eliminadas)
        salida.append(Mantenimiento(t.tabla, creadas, eliminadas))
    return salida
