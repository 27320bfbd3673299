"""A panel's rows read inside its parent's query, as JSON (issue 22: ≤ 6 queries per detail).

A detail view shows one row and several small lists that belong to it (an incident's
checklist, clocks and evidence; a user's memberships). Read one query each, the lists cost a
round trip and a statement apiece; here each becomes a column of the parent's query, a
``(SELECT json_agg(...) ...)`` on PostgreSQL, turned back into model instances with
``instancias``, so templates, serializers and permission checks read them as before.

The SQL is written here from the models' columns (``lista``), not built with Django's
``ArraySubquery`` and ``JSONObject``: those expressions, one per column and nested, took
~15 ms of CPU to compile on every request, ten times what the statement costs to run.

PostgreSQL only (``disponible``): the embedded SQLite profile keeps the plain queries, which
cost it nothing over a socket. Values come back as JSON: ``instancias`` converts each with its
field's ``to_python`` (ISO text → aware datetime, and so on), then ``Model.from_db``, so the
instances are what the ORM would have built (``_state.adding`` false, ``_state.db`` set).
"""

from itertools import count

from django.db import connection
from django.db.models import ForeignKey, JSONField, Model
from django.db.models.expressions import RawSQL


def disponible() -> bool:
    return connection.vendor == "postgresql"


def _campos(modelo: type[Model]) -> list:
    return list(modelo._meta.concrete_fields)


def _partes(relacionado) -> tuple[type[Model], dict]:
    return relacionado if isinstance(relacionado, tuple) else (relacionado, {})


def _q(nombre: str) -> str:
    return connection.ops.quote_name(nombre)


def _fila_sql(modelo: type[Model], alias: str, relacionados: dict, alias_nuevo) -> str:
    """``alias.*`` plus each related row as a nested JSON object named after its field."""
    partes = [f"{alias}.*"]
    for nombre, relacionado in relacionados.items():
        sub, anidados = _partes(relacionado)
        fk = modelo._meta.get_field(nombre)
        r, s = alias_nuevo(), alias_nuevo()
        interior = _fila_sql(sub, r, anidados, alias_nuevo)
        partes.append(
            f"(SELECT row_to_json({s}) FROM (SELECT {interior} FROM {_q(sub._meta.db_table)} {r}"
            f" WHERE {r}.{_q(fk.target_field.column)} = {alias}.{_q(fk.column)}) {s})"
            f" AS {_q(nombre)}")
    return ", ".join(partes)


def lista(modelo: type[Model], *, donde: str, orden: str, params=(),
          relacionados: dict | None = None, limite: int | None = None) -> RawSQL:
    """A column with ``modelo``'s rows matching ``donde`` (SQL over alias ``t``; it may name
    the outer query's table, e.g. ``t.incidente_id = incidentes_incidente.id``), ordered by
    ``orden`` (over the same columns), as a JSON array; ``relacionados``: {fk name: model, or
    (model, its relacionados)} nested under their name, as select_related would load them."""
    numeros = count()

    def alias_nuevo() -> str:
        return f"_fj{next(numeros)}"

    fila = _fila_sql(modelo, "t", relacionados or {}, alias_nuevo)
    x = alias_nuevo()
    orden_x = ", ".join(f"{x}.{c.strip()}" for c in orden.split(","))
    orden_t = ", ".join(f"t.{c.strip()}" for c in orden.split(","))
    # ``limite``: the first rows by ``orden`` only (a panel that shows 50 of thousands).
    tope = f" ORDER BY {orden_t} LIMIT {int(limite)}" if limite else ""
    # As text: JSONField decodes it (psycopg would hand over a decoded list for json).
    sql = (f"(SELECT coalesce(json_agg({x} ORDER BY {orden_x}), '[]'::json)::text FROM "
           f"(SELECT {fila} FROM {_q(modelo._meta.db_table)} t WHERE {donde}{tope}) {x})")
    return RawSQL(sql, tuple(params), output_field=JSONField())


def instancia(modelo: type[Model], datos: dict, relacionados: dict | None = None) -> Model:
    nombres, valores = [], []
    for f in _campos(modelo):
        valor = datos.get(f.column)
        if valor is not None and not isinstance(f, JSONField):
            campo = f.target_field if isinstance(f, ForeignKey) else f
            valor = campo.to_python(valor)
        nombres.append(f.attname)
        valores.append(valor)
    obj = modelo.from_db(connection.alias, nombres, valores)
    for nombre, relacionado in (relacionados or {}).items():
        sub, anidados = _partes(relacionado)
        anidado = datos.get(nombre)
        setattr(obj, nombre, instancia(sub, anidado, anidados) if anidado else None)
    return obj


def instancias(modelo: type[Model], filas, relacionados: dict | None = None) -> list[Model]:
    return [instancia(modelo, d, relacionados) for d in (filas or [])]
