"""DRF permission every API view gets (REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"])."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import TokenAPI


class AlcanceDelToken(BasePermission):
    """A read-only token reads: any other method is refused (403), except a POST to a view
    that only looks things up (``solo_consulta = True``: an IOC lookup sends its values in
    the body). Sessions and write tokens are not concerned."""

    message = _("El token es de solo lectura: para modificar datos cree uno de lectura y "
                "escritura.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, TokenAPI) or not token.solo_lectura:
            return True
        if request.method in SAFE_METHODS:
            return True
        return request.method == "POST" and getattr(view, "solo_consulta", False)
