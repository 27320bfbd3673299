"""API clients authenticate with ``Authorization: Token <key>`` (or ``Bearer <key>``)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import TokenAPI
from .selectors import es_personal_cgii, limitar_a_entidad, token_por_hash
from .services import PREFIJO_CLAVE, hash_de_clave

PALABRAS = (b"token", b"bearer")
# Writing ultimo_uso on every call would turn each API read into a write.
INTERVALO_ULTIMO_USO = timedelta(minutes=1)
_LARGO_MAXIMO = 200


class TokenAPIAuthentication(BaseAuthentication):
    def authenticate(self, request):
        partes = get_authorization_header(request).split()
        if not partes or partes[0].lower() not in PALABRAS:
            return None
        if len(partes) != 2:
            raise exceptions.AuthenticationFailed(
                _("Cabecera de autorización inválida: use «Token <clave>».")
            )
        try:
            clave = partes[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Token inválido.")) from None
        return autenticar_clave(clave)

    def authenticate_header(self, request) -> str:
        # Any value here makes DRF answer 401 (with WWW-Authenticate) instead of 403.
        return 'Token realm="cgii"'


def autenticar_clave(clave: str) -> tuple:
    if not clave.startswith(PREFIJO_CLAVE) or len(clave) > _LARGO_MAXIMO:
        raise exceptions.AuthenticationFailed(_("Token inválido."))
    token = token_por_hash(hash_de_clave(clave))
    if token is None:
        raise exceptions.AuthenticationFailed(_("Token inválido."))
    if token.revocado_en is not None:
        raise exceptions.AuthenticationFailed(_("El token fue revocado."))
    if token.vencido:
        raise exceptions.AuthenticationFailed(_("El token venció; cree uno nuevo."))
    usuario = token.usuario
    if not usuario.is_active:
        raise exceptions.AuthenticationFailed(_("El usuario del token está inactivo."))
    if token.entidad_id is None:
        # Only staff tokens are unscoped; a former staff member's old token must not turn
        # into access to all of its entities.
        if not es_personal_cgii(usuario):
            raise exceptions.AuthenticationFailed(_("El token no está limitado a una entidad."))
    else:
        if getattr(usuario, "_cgii_membresias", None) is None:  # not read with the token
            limitar_a_entidad(usuario, token.entidad_id)
        if not usuario._cgii_membresias:
            raise exceptions.AuthenticationFailed(
                _("El usuario ya no pertenece a la entidad del token.")
            )
    _marcar_uso(token)
    return usuario, token


def _marcar_uso(token: TokenAPI) -> None:
    ahora = timezone.now()
    if token.ultimo_uso is None or ahora - token.ultimo_uso >= INTERVALO_ULTIMO_USO:
        TokenAPI.objects.filter(pk=token.pk).update(ultimo_uso=ahora)
        token.ultimo_uso = ahora


class EsquemaTokenAPI(OpenApiAuthenticationExtension):
    target_class = TokenAPIAuthentication
    name = "tokenAPI"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "«Token <clave>» o «Bearer <clave>»; la clave se obtiene con "
                           "POST /api/v1/tokens/ o `manage.py token_api`.",
        }
