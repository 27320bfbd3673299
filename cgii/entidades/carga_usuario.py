"""What every request needs about its user, read in the same row as the user (issue 22).

The session backend (``backend.BackendUsuarios``) and the API token lookup
(``selectors.token_por_hash``) both read the user row; with it come, as extra columns:

- one plain ``EXISTS`` per CGII role (Django's ``Exists()`` per role cost ~1 ms of CPU per
  request to compile, more than the query takes to run);
- on PostgreSQL, the active memberships with their entities as JSON (``cgii.bd.filas_json``),
  all of them for a session, only the token's entity for an entity-scoped token.

``aplicar`` fills the caches ``selectors.roles_cgii`` and ``selectors.membresias_activas``
read, so neither asks again.

On PostgreSQL ``leer_usuario`` and ``leer_token`` send that row's statement as SQL text
written once per process: built through the ORM (``annotate(...).get()``), compiling it cost
~1 ms of CPU on every request, as much as the rest of the token intake's authentication
(bench/perfiles.py; docs/perfiles.md). SQLite (the embedded profile) keeps the ORM, which
also converts its text dates.
"""

import functools
import json

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from cgii.bd import filas_json

from .models import Entidad, Membresia, RolCGII, TokenAPI

ROLES = tuple(r.value for r in RolCGII)


def sql_en_grupo(usuario_id_sql: str, *, varios: bool = False) -> str:
    """Plain SQL: the user ``usuario_id_sql`` is in the group named by the one parameter
    (``varios``: in one of the groups of an array parameter)."""
    modelo = get_user_model()
    intermedia = modelo.groups.through
    campo = intermedia._meta.get_field(modelo.groups.field.m2m_field_name()).column
    grupo = intermedia._meta.get_field(modelo.groups.field.m2m_reverse_field_name()).column
    nombre = "g.name = ANY(%s)" if varios else "g.name = %s"
    return (f"EXISTS (SELECT 1 FROM {intermedia._meta.db_table} ug JOIN auth_group g "
            f"ON g.id = ug.{grupo} WHERE ug.{campo} = {usuario_id_sql} AND {nombre})")


def anotaciones(usuario_id_sql: str, entidad_id_sql: str | None = None) -> dict:
    """The extra columns, for a query whose user id is ``usuario_id_sql`` (a column of the
    query, e.g. ``entidades_usuario.id``); ``entidad_id_sql``: only that entity's
    memberships (an entity-scoped token)."""
    columnas = {f"_es_{r}": RawSQL(sql_en_grupo(usuario_id_sql), (r,), output_field=BooleanField())
                for r in ROLES}
    if filas_json.disponible():
        donde = (f"t.usuario_id = {usuario_id_sql} AND t.activa AND EXISTS (SELECT 1 FROM "
                 f"{Entidad._meta.db_table} e WHERE e.id = t.entidad_id AND e.activa)")
        if entidad_id_sql:
            donde += f" AND t.entidad_id = {entidad_id_sql}"
        columnas["_membresias_json"] = filas_json.lista(
            Membresia, donde=donde, orden="id", relacionados={"entidad": Entidad})
    return columnas


def aplicar(fila, usuario) -> None:
    """From the row that carried the columns (the user itself, or its token) to the user's
    caches."""
    nombres = {r for r in ROLES if getattr(fila, f"_es_{r}")}
    if usuario.is_superuser:
        nombres.add(RolCGII.ADMINISTRADOR.value)
    usuario._cgii_roles = frozenset(nombres)
    if hasattr(fila, "_membresias_json"):
        usuario._cgii_membresias = filas_json.instancias(
            Membresia, fila._membresias_json, {"entidad": Entidad})


def _campos(modelo) -> list:
    return list(modelo._meta.concrete_fields)


@functools.cache
def _consulta(con_token: bool) -> tuple[str, tuple]:
    """The row's statement (one ``%s`` last: the token's hash or the user's id) and the
    parameters before it. Aliases ``u`` and ``k``: ``filas_json`` uses ``t`` and ``_fj*``."""
    usuario = get_user_model()
    q = connection.ops.quote_name
    columnas = [f"u.{q(f.column)}" for f in _campos(usuario)]
    desde = f"{q(usuario._meta.db_table)} u"
    donde = "u.id = %s"
    if con_token:
        columnas = [f"k.{q(f.column)}" for f in _campos(TokenAPI)] + columnas
        desde = f"{q(TokenAPI._meta.db_table)} k JOIN {desde} ON u.id = k.usuario_id"
        donde = "k.hash = %s"
    params: list = []
    for expresion in anotaciones("u.id", "k.entidad_id" if con_token else None).values():
        columnas.append(expresion.sql)
        params.extend(expresion.params)
    return f"SELECT {', '.join(columnas)} FROM {desde} WHERE {donde}", tuple(params)


def _leer(con_token: bool, valor):
    sql, params = _consulta(con_token)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, valor))
        fila = cursor.fetchone()
    if fila is None:
        return None, None
    valores = list(fila)
    token = None
    if con_token:
        campos = _campos(TokenAPI)
        token = TokenAPI.from_db(connection.alias, [f.attname for f in campos],
                                 valores[:len(campos)])
        del valores[:len(campos)]
    modelo = get_user_model()
    campos = _campos(modelo)
    usuario = modelo.from_db(connection.alias, [f.attname for f in campos],
                             valores[:len(campos)])
    del valores[:len(campos)]
    fila_extra = token or usuario
    for r in ROLES:
        setattr(fila_extra, f"_es_{r}", bool(valores.pop(0)))
    if valores:  # the memberships (always on PostgreSQL, where this runs)
        fila_extra._membresias_json = json.loads(valores.pop(0))
    if token is not None:
        token.usuario = usuario
    return token, usuario


def leer_usuario(usuario_id):
    """The user ``usuario_id`` with its roles and memberships in its caches, or None."""
    if not filas_json.disponible():
        modelo = get_user_model()
        columnas = anotaciones(f"{modelo._meta.db_table}.id")
        usuario = modelo._default_manager.annotate(**columnas).filter(pk=usuario_id).first()
    else:
        _, usuario = _leer(False, usuario_id)
    if usuario is not None:
        aplicar(usuario, usuario)
    return usuario


def leer_token(hash_clave: str):
    """The API token of that hash with its user (roles; for an entity-scoped token, that
    entity's memberships) in the user's caches, or None."""
    if not filas_json.disponible():
        tabla = TokenAPI._meta.db_table
        columnas = anotaciones(f"{tabla}.usuario_id", f"{tabla}.entidad_id")
        token = TokenAPI.objects.select_related("usuario").annotate(**columnas).filter(
            hash=hash_clave).first()
    else:
        token, _ = _leer(True, hash_clave)
    if token is None:
        return None
    if token.entidad_id is None and hasattr(token, "_membresias_json"):
        del token._membresias_json  # a staff token is not narrowed to an entity
    aplicar(token, token.usuario)
    return token
