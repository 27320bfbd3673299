"""The session's user and its CGII roles in one query (issue 22).

Every staff request read the session, the user, the TOTP device and then the user's groups
(``selectors.roles_cgii``): four queries before the view's own. The user row comes here
with one EXISTS per CGII role, and the roles are cached on the instance exactly as
``roles_cgii`` would have computed them, so that query is gone from every request. On
PostgreSQL the active memberships (with their entities) come in the same row as JSON
(``cgii.bd.filas_json``): every entity-scoped read asked for them, one more query. Login,
permissions and everything else are Django's ModelBackend."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from cgii.bd import filas_json

from .models import Entidad, Membresia, RolCGII

RUTA = "cgii.entidades.backend.BackendUsuarios"


class BackendUsuarios(ModelBackend):
    def get_user(self, user_id):
        modelo = get_user_model()
        tabla = modelo._meta.db_table
        roles = [r.value for r in RolCGII]
        anotaciones = {f"_es_{r}": RawSQL(_sql_rol(modelo), (r,), output_field=BooleanField())
                       for r in roles}
        if filas_json.disponible():
            anotaciones["_membresias_json"] = filas_json.lista(
                Membresia, donde=f"t.usuario_id = {tabla}.id AND t.activa AND EXISTS ("
                f"SELECT 1 FROM {Entidad._meta.db_table} e WHERE e.id = t.entidad_id "
                "AND e.activa)", orden="id", relacionados={"entidad": Entidad})
        try:
            usuario = modelo._default_manager.annotate(**anotaciones).get(pk=user_id)
        except modelo.DoesNotExist:
            return None
        if not self.user_can_authenticate(usuario):
            return None
        nombres = {r for r in roles if getattr(usuario, f"_es_{r}")}
        if usuario.is_superuser:
            nombres.add(RolCGII.ADMINISTRADOR.value)
        usuario._cgii_roles = frozenset(nombres)  # what selectors.roles_cgii caches
        if hasattr(usuario, "_membresias_json"):  # what selectors.membresias_activas caches
            usuario._cgii_membresias = filas_json.instancias(
                Membresia, usuario._membresias_json, {"entidad": Entidad})
            del usuario._membresias_json
        return usuario


def _sql_rol(modelo) -> str:
    """Whether the user is in the named group, as plain SQL: Django's Exists() per role
    cost ~1 ms of CPU per request to compile, more than the query takes to run."""
    intermedia = modelo.groups.through
    campo = intermedia._meta.get_field(modelo.groups.field.m2m_field_name()).column
    grupo = intermedia._meta.get_field(modelo.groups.field.m2m_reverse_field_name()).column
    return (f"EXISTS (SELECT 1 FROM {intermedia._meta.db_table} ug JOIN auth_group g "
            f"ON g.id = ug.{grupo} WHERE ug.{campo} = {modelo._meta.db_table}.id "
            "AND g.name = %s)")
