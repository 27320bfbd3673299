"""The session's user, its CGII roles and its memberships in one query (issue 22).

Every staff request read the session, the user, the TOTP device and then the user's groups
(``selectors.roles_cgii``) and memberships (``selectors.membresias_activas``): the last two
come now as columns of the user's row (``carga_usuario``). Login, permissions and
everything else are Django's ModelBackend."""

from django.contrib.auth.backends import ModelBackend

from . import carga_usuario

RUTA = "cgii.entidades.backend.BackendUsuarios"


class BackendUsuarios(ModelBackend):
    def get_user(self, user_id):
        try:
            usuario = carga_usuario.leer_usuario(int(user_id))
        except (TypeError, ValueError):
            return None
        if usuario is None or not self.user_can_authenticate(usuario):
            return None
        return usuario
