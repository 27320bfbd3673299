"""A panel's rows read inside its parent's query, as JSON (issue 22: ≤ 6 queries per detail).

A detail view shows one row and several small lists that belong to it (an incident's
checklist, clocks and evidence; a user's memberships). Read one query each, the lists cost a
round trip and a statement apiece; here each becomes a column of the parent's query: an
``ARRAY(SELECT json_build_object(...) ...)`` on PostgreSQL (Django's ``ArraySubquery`` and
``JSONObject``), turned back into model instances with ``instancias``, so templates,
serializers and permission checks read them exactly as before.

PostgreSQL only (``disponible``): the embedded SQLite profile keeps the plain queries, which
cost it nothing over a socket. Values come back as JSON: ``instancias`` converts each with its
field's ``to_python`` (ISO text → aware datetime, and so on), then ``Model.from_db``, so the
instances are what the ORM would have built (``_state.adding`` false, ``_state.db`` set).
"""

from django.db import connection
from django.db.models import ForeignKey, Model, QuerySet
from django.db.models.fields.json import JSONField
from django.db.models.functions import JSONObject


def disponible() -> bool:
    return connection.vendor == "postgresql"


def _campos(modelo: type[Model]) -> list:
    return list(modelo._meta.concrete_fields)


def _partes(relacionado) -> tuple[type[Model], dict]:
    return relacionado if isinstance(relacionado, tuple) else (relacionado, {})


def objeto(modelo: type[Model], prefijo: str = "", relacionados: dict | None = None) -> JSONObject:
    """Every concrete column of ``modelo`` (reached through ``prefijo``, e.g. "entidad__")
    as one JSON object; ``relacionados``: {fk name: model, or (model, its relacionados)}
    nested under their name, as select_related would load them."""
    pares = {f.attname: f"{prefijo}{f.attname}" for f in _campos(modelo)}
    for nombre, relacionado in (relacionados or {}).items():
        sub, anidados = _partes(relacionado)
        pares[nombre] = objeto(sub, f"{prefijo}{nombre}__", anidados)
    return JSONObject(**pares)


def lista(qs: QuerySet, modelo: type[Model], relacionados: dict | None = None):
    """An ``ArraySubquery`` of ``qs``'s rows as JSON objects (``qs`` filtered by OuterRef)."""
    from django.contrib.postgres.expressions import ArraySubquery

    return ArraySubquery(qs.values(json=objeto(modelo, relacionados=relacionados)))


def instancia(modelo: type[Model], datos: dict, relacionados: dict | None = None) -> Model:
    nombres, valores = [], []
    for f in _campos(modelo):
        valor = datos.get(f.attname)
        if valor is not None and not isinstance(f, JSONField):
            campo = f.target_field if isinstance(f, ForeignKey) else f
            valor = campo.to_python(valor)
        nombres.append(f.attname)
        valores.append(valor)
    obj = modelo.from_db(connection.alias, nombres, valores)
    for nombre, relacionado in (relacionados or {}).items():
        sub, anidados = _partes(relacionado)
        anidado = datos.get(nombre)
        # A nullable foreign key's JSON object has every column null: no related row.
        if anidado is not None and anidado.get(sub._meta.pk.attname) is not None:
            setattr(obj, nombre, instancia(sub, anidado, anidados))
        else:
            setattr(obj, nombre, None)
    return obj


def instancias(modelo: type[Model], filas, relacionados: dict | None = None) -> list[Model]:
    return [instancia(modelo, d, relacionados) for d in (filas or [])]
