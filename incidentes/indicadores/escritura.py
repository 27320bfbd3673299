"""Set-based writes shared by the services (called inside their transactions only).

``upsert_indicadores`` makes sure one row exists per normalised (type, value) and returns the
ids. On PostgreSQL, from ``UMBRAL_COPY`` rows on, it COPYs the batch into a temporary table
and does ``INSERT … ON CONFLICT DO NOTHING`` + one ``UPDATE`` of the first/last-seen times +
one ``SELECT`` of the ids: three statements whatever the size, and safe against a concurrent
writer inserting the same value (the unique constraint decides, nobody fails). Below the
threshold, or on SQLite (embedded profile), the ORM does the same with ``bulk_create
(ignore_conflicts=True)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format

from . import stix
from .models import Indicador, ObjetoSTIX
from .normalizacion import TIPOS_VALUE, patron_de, sco_de, uuid_indicador

UMBRAL_COPY = 200
_AYUDANTE: tuple[int, ThreadPoolExecutor] | None = None


def ayudante() -> ThreadPoolExecutor:
    """One helper thread per process (re-created after a fork, e.g. Celery prefork)."""
    global _AYUDANTE
    if _AYUDANTE is None or _AYUDANTE[0] != os.getpid():
        _AYUDANTE = (os.getpid(), ThreadPoolExecutor(max_workers=1,
                                                     thread_name_prefix="indicadores"))
    return _AYUDANTE[1]
LOTE_CONSULTA = 5000


@dataclass(slots=True)
class Entrada:
    """What we know about one normalised value from one request or bundle."""

    tipo: str
    valor: str
    original: str = ""
    tlp: str = "amber"
    confianza: int | None = None
    tipos_stix: list = field(default_factory=list)
    nombre: str = ""
    descripcion: str = ""
    valido_desde: datetime | None = None
    valido_hasta: datetime | None = None
    primera_vez: datetime | None = None
    ultima_vez: datetime | None = None

    def fusionar(self, otra: Entrada) -> None:
        """Same value seen again in the same batch: widen the seen window, keep the most
        restrictive TLP, keep the first non-empty descriptive fields."""
        self.tlp = stix.tlp_mas_restrictivo([self.tlp, otra.tlp])
        self.primera_vez = _min(self.primera_vez, otra.primera_vez)
        self.ultima_vez = _max(self.ultima_vez, otra.ultima_vez)
        for campo in ("nombre", "descripcion", "confianza", "valido_hasta"):
            if not getattr(self, campo) and getattr(otra, campo):
                setattr(self, campo, getattr(otra, campo))
        if not self.tipos_stix and otra.tipos_stix:
            self.tipos_stix = list(otra.tipos_stix)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _id_sco(tipo: str, valor: str) -> str:
    sco = sco_de(tipo, valor)
    return stix.id_sco(*sco) if sco else ""


def _ids_crudos(tipo: str, valor: str) -> tuple[bytes, str]:
    """(Indicator UUID as its 16 bytes, SCO id) of a normalised value; the JSON-escaped value
    is shared by both hashes (the import's hot path)."""
    escapado = stix.cadena_json(valor).encode("utf-8")
    indicador = stix.uuid5_bytes(stix.prefijo_cgii("indicator", tipo) + escapado + b"]")
    if tipo in TIPOS_VALUE:
        return indicador, f"{tipo}--{stix.uuid5_de(stix.PREFIJO_VALUE + escapado + b'}')}"
    return indicador, _id_sco(tipo, valor)


def _ids(tipo: str, valor: str) -> tuple[str, str]:
    """(Indicator UUID, SCO id) as text (equal to uuid_indicador/_id_sco, tested)."""
    indicador, sco = _ids_crudos(tipo, valor)
    return str(UUID(bytes=indicador)), sco


def _fila(e: Entrada, ahora: datetime) -> tuple:
    """The row of ``_COLUMNAS`` for the binary COPY (``_TIPOS_FILA``)."""
    tipo, valor = e.tipo, e.valor
    patron = patron_de(tipo, valor)
    # The original form is kept when it says something the normalised value does not
    # (an import's pattern that is exactly the generated one is not repeated).
    original = "" if e.original == patron else e.original[:100_000]
    id_indicador, id_sco = _ids_crudos(tipo, valor)
    return (tipo, valor, original, patron, id_indicador, id_sco, e.nombre[:255],
            e.descripcion, _json_tipos(e.tipos_stix), e.confianza, e.tlp,
            e.valido_desde or ahora, e.valido_hasta, e.primera_vez, e.ultima_vez)


def _json_tipos(tipos: list) -> str:
    if tipos == ["malicious-activity"]:
        return '["malicious-activity"]'
    return orjson.dumps(tipos).decode()


_COLUMNAS = ("tipo", "valor", "valor_original", "patron", "stix_uuid", "sco_id", "nombre",
             "descripcion", "tipos_stix", "confianza", "tlp", "valido_desde", "valido_hasta",
             "primera_vez", "ultima_vez")


# The COPYs are binary, with their column types declared once (psycopg then looks up no
# dumper per value). Binary, because the text form made both sides format and parse every
# value: six timestamps, a uuid and a jsonb per indicator. Measured on the 5,000-object
# slice (1 M stored, load ~6): the client's part of the indicator COPY 26-36 → 8-12 ms of
# CPU. The uuid goes as its 16 bytes (``stix.uuid5_bytes``: no text form to build) and the
# jsonb as its text behind the format's version byte (``_JsonbTexto``).
_TIPOS_FILA = ("text", "text", "text", "text", "uuid", "text", "text", "text", "jsonb",
               "int2", "text", "timestamptz", "timestamptz", "timestamptz", "timestamptz")
_TIPOS_COPY = ("int8", *_TIPOS_FILA, "bool", "text", "int8", "int8", "timestamptz",
               "timestamptz")
_TIPOS_OBJETOS = ("int8", "int4", "text", "text", "timestamptz", "bool", "int8", "jsonb")


class _UuidCrudo(Dumper):
    """A uuid column from its 16 bytes (binary COPY)."""

    format = Format.BINARY
    oid = postgres.types["uuid"].oid

    def dump(self, obj):
        return obj


class _JsonbTexto(Dumper):
    """A jsonb column from JSON text already serialised (binary COPY: version 1 + text)."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj):
        return b"\x01" + obj.encode()


@contextmanager
def _copia_binaria(cursor, sql: str, tipos: tuple):
    """``cursor.copy`` of ``sql`` (… FROM STDIN) in binary with the column types set; the two
    dumpers above are registered on this cursor only (its own adapters map)."""
    adaptadores = cursor.cursor.adapters if hasattr(cursor, "cursor") else cursor.adapters
    adaptadores.register_dumper(None, _UuidCrudo)
    adaptadores.register_dumper(None, _JsonbTexto)
    with cursor.copy(f"{sql} (FORMAT BINARY)") as copia:
        copia.set_types(tipos)
        yield copia


def usar_copy(n: int) -> bool:
    return connection.vendor == "postgresql" and n >= UMBRAL_COPY


def upsert_indicadores(entradas: Sequence[Entrada], *, origen: str, actor_id: int | None,
                       importacion_id: int | None = None, forzar_orm: bool = False,
                       diferir: bool = False) -> tuple[dict[tuple[str, str], int], int]:
    """({(type, value): id}, number of new rows). ``entradas`` have distinct keys.

    ``diferir`` (PostgreSQL, streamed imports): what would change rows that already exist
    (first/last seen; the TLP of a row an earlier batch of the same import created) goes to
    the session's ``_stix_diferido`` table instead, applied by ``aplicar_diferidos`` when
    the whole import is accepted — a rejected import leaves existing rows untouched."""
    if not entradas:
        return {}, 0
    if diferir or (usar_copy(len(entradas)) and not forzar_orm):
        return _upsert_copy(entradas, origen=origen, actor_id=actor_id,
                            importacion_id=importacion_id, diferir=diferir)
    return _upsert_orm(entradas, origen=origen, actor_id=actor_id, importacion_id=importacion_id)


def preparar_diferidos() -> None:
    """An empty ``_stix_diferido`` in this session (kept across the import's batches)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS _stix_diferido (id bigint, "
                       "pv timestamptz, uv timestamptz, tlp varchar(12))")
        cursor.execute("TRUNCATE _stix_diferido")


def diferir_visto(cursor, filas: Iterable[tuple]) -> None:
    """(id, first seen, last seen, tlp or None) rows for ``aplicar_diferidos``."""
    with cursor.copy("COPY _stix_diferido (id, pv, uv, tlp) FROM STDIN") as copia:
        for fila in filas:
            copia.write_row(fila)


_RANGO_SQL = "array_position(ARRAY['clear','green','amber','amber+strict','red']::text[], {})"


def aplicar_diferidos(importacion_id: int) -> int:
    """One UPDATE: widen first/last seen; the most restrictive TLP for rows this import
    created (a value repeated in a later batch). Returns the rows changed."""
    tabla = Indicador._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {tabla} i SET primera_vez = LEAST(i.primera_vez, d.pv), "
            f"ultima_vez = GREATEST(i.ultima_vez, d.uv), tlp = CASE WHEN i.importacion_id = "
            f"%s AND d.tlp IS NOT NULL AND {_RANGO_SQL.format('d.tlp')} > "
            f"{_RANGO_SQL.format('i.tlp')} THEN d.tlp ELSE i.tlp END "
            f"FROM (SELECT id, min(pv) AS pv, max(uv) AS uv, (array_agg(tlp ORDER BY "
            f"{_RANGO_SQL.format('tlp')} DESC NULLS LAST))[1] AS tlp FROM _stix_diferido "
            f"GROUP BY id) d WHERE i.id = d.id AND (i.primera_vez IS DISTINCT FROM "
            f"LEAST(i.primera_vez, d.pv) OR i.ultima_vez IS DISTINCT FROM "
            f"GREATEST(i.ultima_vez, d.uv) OR (i.importacion_id = %s AND d.tlp IS NOT NULL "
            f"AND {_RANGO_SQL.format('d.tlp')} > {_RANGO_SQL.format('i.tlp')}))",
            [importacion_id, importacion_id])
        cambiadas = cursor.rowcount
        cursor.execute("TRUNCATE _stix_diferido")
    return cambiadas


def _upsert_copy(entradas, *, origen, actor_id, importacion_id, diferir=False):
    """PostgreSQL: one indexed read of the values that exist, ids for the new ones from the
    sequence, and one COPY straight into the table (the fastest insert path). If a
    concurrent writer inserted one of our values in between, the COPY violates the unique
    constraint: roll back to the savepoint and take the always-correct path (COPY into a
    temporary table + INSERT … ON CONFLICT DO NOTHING)."""
    from psycopg.errors import UniqueViolation

    ahora = timezone.now()
    tabla = Indicador._meta.db_table
    ids: dict[tuple[str, str], int] = {}
    por_clave = {(e.tipo, e.valor): e for e in entradas}
    with connection.cursor() as cursor:
        existentes, reservados = _ids_existentes(cursor, tabla, por_clave)
        ids.update(existentes)
        nuevas = [e for clave, e in por_clave.items() if clave not in ids]
        if nuevas:
            pks = reservados[:len(nuevas)]
            extra = (False, origen, actor_id, importacion_id, ahora, ahora)
            try:
                # Rows are built inside the COPY, only for new values: psycopg sends each
                # 32 KB as it fills, so the server inserts (the larger part: the unique
                # btrees and the trigram GIN) while Python builds the next rows, and values
                # already stored cost no ids, pattern or row at all.
                with transaction.atomic(), _copia_binaria(
                        cursor, f"COPY {tabla} (id, {', '.join(_COLUMNAS)}, revocado, origen, "
                        f"creado_por_id, importacion_id, creado, modificado) FROM STDIN",
                        _TIPOS_COPY) as copia:
                    for pk, e in zip(pks, nuevas, strict=True):
                        copia.write_row((pk, *_fila(e, ahora), *extra))
            except (IntegrityError, UniqueViolation):
                # (cursor.copy is psycopg's own: its errors are not wrapped by Django)
                return _upsert_temporal(entradas, origen=origen, actor_id=actor_id,
                                        importacion_id=importacion_id, diferir=diferir)
            ids.update({(e.tipo, e.valor): pk for pk, e in zip(pks, nuevas, strict=True)})
        claves_nuevas = {(e.tipo, e.valor) for e in nuevas}
        existentes = [(ids[c], e) for c, e in por_clave.items() if c not in claves_nuevas]
        if diferir:
            if existentes:
                diferir_visto(cursor, ((pk, e.primera_vez, e.ultima_vez, e.tlp)
                                       for pk, e in existentes))
        else:
            _ampliar_visto(cursor, tabla, existentes)
    return ids, len(nuevas)


def _ids_existentes(cursor, tabla, por_clave) -> tuple[dict, list[int]]:
    """({key: id} of the values already stored, ids reserved for the rest), one round trip.
    One id is reserved per value (some go unused when values exist: gaps are harmless)."""
    cursor.execute(
        f"SELECT id, tipo, valor FROM {tabla} WHERE valor = ANY(%s) UNION ALL "
        f"SELECT nextval(pg_get_serial_sequence(%s, 'id')), NULL, NULL "
        f"FROM generate_series(1, %s)", [[v for _t, v in por_clave], tabla, len(por_clave)])
    existentes, reservados = {}, []
    for pk, tipo, valor in cursor.fetchall():
        if tipo is None:
            reservados.append(pk)
        elif (tipo, valor) in por_clave:
            existentes[(tipo, valor)] = pk
    return existentes, reservados


def _ampliar_visto(cursor, tabla, existentes) -> None:
    """Widen first/last seen of rows that already existed, only where it changes."""
    filas = [(pk, e.primera_vez, e.ultima_vez) for pk, e in existentes
             if e.primera_vez is not None or e.ultima_vez is not None]
    if not filas:
        return
    cursor.execute(
        f"UPDATE {tabla} i SET primera_vez = LEAST(i.primera_vez, u.pv), "
        f"ultima_vez = GREATEST(i.ultima_vez, u.uv) "
        f"FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS u(id, pv, uv) "
        f"WHERE i.id = u.id AND (i.primera_vez IS DISTINCT FROM LEAST(i.primera_vez, u.pv) "
        f"OR i.ultima_vez IS DISTINCT FROM GREATEST(i.ultima_vez, u.uv))",
        [[f[0] for f in filas], [f[1] for f in filas], [f[2] for f in filas]])


def _upsert_temporal(entradas, *, origen, actor_id, importacion_id, diferir=False):
    ahora = timezone.now()
    tabla = Indicador._meta.db_table
    columnas = ", ".join(_COLUMNAS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _indicadores_lote (tipo varchar(16), "
            "valor varchar(2048), valor_original text, patron text, stix_uuid uuid, "
            "sco_id varchar(80), nombre varchar(255), descripcion text, tipos_stix jsonb, "
            "confianza smallint, tlp varchar(12), valido_desde timestamptz, "
            "valido_hasta timestamptz, primera_vez timestamptz, ultima_vez timestamptz) "
            "ON COMMIT DROP")
        cursor.execute("TRUNCATE _indicadores_lote")
        with _copia_binaria(cursor, f"COPY _indicadores_lote ({columnas}) FROM STDIN",
                            _TIPOS_FILA) as copia:
            for e in entradas:
                copia.write_row(_fila(e, ahora))
        cursor.execute(
            f"INSERT INTO {tabla} ({columnas}, revocado, origen, creado_por_id, importacion_id, "
            f"creado, modificado) SELECT {columnas}, false, %s, %s, %s, %s, %s "
            f"FROM _indicadores_lote ON CONFLICT (valor, tipo) DO NOTHING "
            f"RETURNING id, tipo, valor",
            [origen, actor_id, importacion_id, ahora, ahora])
        ids = {(tipo, valor): pk for pk, tipo, valor in cursor.fetchall()}
        nuevos = len(ids)
        if nuevos < len(entradas) and diferir:
            cursor.execute(
                f"INSERT INTO _stix_diferido (id, pv, uv, tlp) SELECT i.id, t.primera_vez, "
                f"t.ultima_vez, t.tlp FROM {tabla} i JOIN _indicadores_lote t ON "
                f"i.valor = t.valor AND i.tipo = t.tipo WHERE i.id <> ALL(%s)",
                [list(ids.values())])
        elif nuevos < len(entradas):
            cursor.execute(
                f"UPDATE {tabla} i SET primera_vez = LEAST(i.primera_vez, t.primera_vez), "
                f"ultima_vez = GREATEST(i.ultima_vez, t.ultima_vez) FROM _indicadores_lote t "
                f"WHERE i.valor = t.valor AND i.tipo = t.tipo AND ("
                f"i.primera_vez IS DISTINCT FROM LEAST(i.primera_vez, t.primera_vez) OR "
                f"i.ultima_vez IS DISTINCT FROM GREATEST(i.ultima_vez, t.ultima_vez))")
        if nuevos < len(entradas):
            cursor.execute(
                f"SELECT i.id, i.tipo, i.valor FROM {tabla} i JOIN _indicadores_lote t "
                f"ON i.valor = t.valor AND i.tipo = t.tipo")
            ids = {(tipo, valor): pk for pk, tipo, valor in cursor.fetchall()}
        cursor.execute("TRUNCATE _indicadores_lote")
    return ids, nuevos


def _existentes(claves: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Indicador]:
    claves = list(claves)
    buscadas = set(claves)
    encontrados = {}
    for i in range(0, len(claves), LOTE_CONSULTA):
        valores = {v for _t, v in claves[i:i + LOTE_CONSULTA]}
        for ind in Indicador.objects.filter(valor__in=valores).only(
                "id", "tipo", "valor", "primera_vez", "ultima_vez"):
            if (ind.tipo, ind.valor) in buscadas:
                encontrados[(ind.tipo, ind.valor)] = ind
    return encontrados


def _upsert_orm(entradas, *, origen, actor_id, importacion_id):
    ahora = timezone.now()
    por_clave = {(e.tipo, e.valor): e for e in entradas}
    existentes = _existentes(por_clave)
    nuevos = [
        # valor_original as in _fila: empty when it is exactly the generated pattern (the
        # ORM path kept it, so a small import stored what a large one did not).
        Indicador(tipo=e.tipo, valor=e.valor,
                  valor_original="" if e.original == patron_de(e.tipo, e.valor)
                  else e.original[:100_000],
                  patron=patron_de(e.tipo, e.valor), stix_uuid=uuid_indicador(e.tipo, e.valor),
                  sco_id=_id_sco(e.tipo, e.valor), nombre=e.nombre[:255],
                  descripcion=e.descripcion, tipos_stix=e.tipos_stix, confianza=e.confianza,
                  tlp=e.tlp, valido_desde=e.valido_desde or ahora, valido_hasta=e.valido_hasta,
                  primera_vez=e.primera_vez, ultima_vez=e.ultima_vez, origen=origen,
                  creado_por_id=actor_id, importacion_id=importacion_id, creado=ahora,
                  modificado=ahora)
        for clave, e in por_clave.items() if clave not in existentes
    ]
    Indicador.objects.bulk_create(nuevos, batch_size=1000, ignore_conflicts=True)
    cambiados = []
    for clave, ind in existentes.items():
        e = por_clave[clave]
        pv, uv = _min(ind.primera_vez, e.primera_vez), _max(ind.ultima_vez, e.ultima_vez)
        if (pv, uv) != (ind.primera_vez, ind.ultima_vez):
            ind.primera_vez, ind.ultima_vez = pv, uv
            cambiados.append(ind)
    Indicador.objects.bulk_update(cambiados, ["primera_vez", "ultima_vez"], batch_size=1000)
    ids = {clave: ind.pk for clave, ind in existentes.items()}
    if nuevos:
        # ignore_conflicts leaves pks unset (and a concurrent writer may have won): re-read.
        ids.update({c: i.pk for c, i in _existentes([(n.tipo, n.valor) for n in nuevos]).items()})
    return ids, len(por_clave) - len(existentes)


def guardar_objetos(filas: Sequence[tuple], *, importacion_id: int,
                    forzar_orm: bool = False) -> None:
    """Raw objects of an import: (indice, stix_id, tipo, modificado, interpretado,
    indicador_id, datos_json_text). Re-running a batch replaces it (idempotent task)."""
    if not filas:
        return
    desde, hasta = filas[0][0], filas[-1][0]
    ObjetoSTIX.objects.filter(importacion_id=importacion_id, indice__gte=desde,
                              indice__lte=hasta).delete()
    if usar_copy(len(filas)) and not forzar_orm:
        with connection.cursor() as cursor, _copia_binaria(
                cursor, f"COPY {ObjetoSTIX._meta.db_table} (importacion_id, indice, stix_id, "
                f"tipo, modificado, interpretado, indicador_id, datos) FROM STDIN",
                _TIPOS_OBJETOS) as copia:
            leer = stix.leer_ts
            for i, sid, t, m, interp, ind, d in filas:
                # modified/created as received (checked text): the binary form needs the
                # datetime, read through the analysis's timestamp cache.
                copia.write_row((importacion_id, i, sid, t,
                                 leer(m) if isinstance(m, str) else m, interp, ind, d))
        return
    ObjetoSTIX.objects.bulk_create(
        [ObjetoSTIX(importacion_id=importacion_id, indice=i, stix_id=sid, tipo=t,
                    modificado=stix.leer_ts(m) if isinstance(m, str) else m, interpretado=interp,
                    indicador_id=ind, datos=None if d is None else orjson.loads(d))
         for i, sid, t, m, interp, ind, d in filas],
        batch_size=1000)
