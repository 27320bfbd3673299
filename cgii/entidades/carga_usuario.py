"""What every request needs about its user, read in the same row as the user (issue 22).

The session backend (``backend.BackendUsuarios``) and the API token lookup
(``selectors.token_por_hash``) both read the user row; with it come, as extra columns:

- one plain ``EXISTS`` per CGII role (Django's ``Exists()`` per role cost ~1 ms of CPU per
  request to compile, more than the query takes to run);
- on PostgreSQL, the active memberships with their entities as JSON (``cgii.bd.filas_json``),
  all of them for a session, only the token's entity for an entity-scoped token.

``aplicar`` fills the caches ``selectors.roles_cgii`` and ``selectors.membresias_activas``
read, so neither asks again.
"""

from django.contrib.auth import get_user_model
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from cgii.bd import filas_json

from .models import Entidad, Membresia, RolCGII

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
