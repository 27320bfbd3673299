"""Autenticación: OpenID Connect login with Ciudadanía Digital (docs/ciudadania_digital.md).

The protocol work is Authlib's Django client: discovery from the issuer's
``/.well-known/openid-configuration``, authorization code with PKCE (S256), state and nonce
kept in the session, the ID token's RS256 signature checked against the provider's JWKS and
its ``iss``/``aud``/``exp``/``nonce`` validated. This module adds what is ours: which claim
holds the identity document, which ``amr``/``acr`` count as a second factor, linking to an
existing user (never creating one) and the audit rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from joserfc.errors import JoseError

from cgii.auditoria.services import auditoria_registrar
from cgii.entidades.selectors import requiere_segundo_factor
from cgii.errores import ErrorDominio

from .models import DispositivoCiudadania

log = logging.getLogger(__name__)


class IngresoRechazado(ErrorDominio):
    status = 403

    def __init__(self, message=None, *, motivo: str, extra: dict | None = None):
        super().__init__(message, extra=extra)
        self.motivo = motivo


@dataclass(frozen=True)
class Identidad:
    sub: str
    documento: str
    segundo_factor: bool
    id_token: str


def configurada() -> bool:
    return bool(settings.CIUDADANIA_PROVEEDOR_URL and settings.CIUDADANIA_CLIENT_ID)


def cliente():
    """The Authlib client for the current settings (tests point it at their own provider)."""
    return _cliente(settings.CIUDADANIA_PROVEEDOR_URL, settings.CIUDADANIA_CLIENT_ID,
                    settings.CIUDADANIA_CLIENT_SECRET, settings.CIUDADANIA_SCOPES)


@lru_cache(maxsize=4)
def _cliente(url: str, client_id: str, secreto: str, scopes: str):
    # One client per configuration: it caches the discovery document and the JWKS (and
    # fetches the JWKS again when a token names an unknown key, i.e. after key rotation).
    oauth = OAuth()
    return oauth.register(
        name="ciudadania",
        client_id=client_id,
        client_secret=secreto,
        server_metadata_url=f"{url}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": 10},
    )


def redirigir_al_proveedor(request, *, retorno: str):
    """The redirect to the provider's authorization endpoint (state, nonce, PKCE verifier
    stored in the session by Authlib)."""
    try:
        return cliente().authorize_redirect(request, retorno)
    except (requests.RequestException, OAuthError, ValueError) as exc:
        log.warning("Ciudadanía Digital no disponible: %s", exc)
        raise IngresoRechazado(
            _("Ciudadanía Digital no responde en este momento. Intente más tarde o ingrese "
              "con su usuario y contraseña."), motivo="proveedor_no_disponible") from exc


def _valor(datos: dict, ruta: str):
    valor: object = datos
    for parte in ruta.split("."):
        if not isinstance(valor, dict):
            return None
        valor = valor.get(parte)
    return valor


def segundo_factor_afirmado(claims: dict) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    aceptados = set(settings.CIUDADANIA_AMR_SEGUNDO_FACTOR)
    if aceptados.intersection(str(v) for v in amr):
        return True
    return bool(claims.get("acr")) and str(claims["acr"]) in settings.CIUDADANIA_ACR_SEGUNDO_FACTOR


def _documento(app, token: dict, claims: dict) -> str:
    ruta = settings.CIUDADANIA_CLAIM_DOCUMENTO
    valor = _valor(claims, ruta)
    if valor in (None, ""):
        # Not in the ID token: the userinfo endpoint, whose `sub` must be the token's
        # (OpenID Connect Core §5.3.2), or its answer could belong to someone else.
        info = app.userinfo(token=token)
        if str(info.get("sub")) != str(claims.get("sub")):
            raise IngresoRechazado(motivo="userinfo_sub")
        valor = _valor(dict(info), ruta)
    return str(valor or "").strip()


def identidad_del_retorno(request) -> Identidad:
    """Exchange the code the provider sent back and validate the ID token.

    Every failure (provider error, state or nonce mismatch, bad signature, wrong audience
    or issuer, expired token, provider down) is an ``IngresoRechazado``: the page shows
    one message and the reason goes to the audit log.
    """
    app = cliente()
    try:
        token = app.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise IngresoRechazado(motivo="sin_id_token")
        documento = _documento(app, token, claims)
    except (OAuthError, JoseError) as exc:
        raise IngresoRechazado(motivo=f"token_invalido: {exc}"[:200]) from exc
    except requests.RequestException as exc:
        raise IngresoRechazado(
            _("Ciudadanía Digital no responde en este momento. Intente más tarde."),
            motivo="proveedor_no_disponible") from exc
    if not documento:
        raise IngresoRechazado(motivo="sin_documento")
    return Identidad(sub=str(claims["sub"]), documento=documento,
                     segundo_factor=segundo_factor_afirmado(claims),
                     id_token=token["id_token"])


def usuario_de(identidad: Identidad):
    """The active user an administrator registered with this document, or a refusal.
    Nobody gets an account by signing in."""
    usuario = get_user_model().objects.filter(
        documento_identidad=identidad.documento, is_active=True).first()
    if usuario is None:
        raise IngresoRechazado(
            _("Su identidad digital no está registrada en la plataforma. Pida al "
              "administrador de CGII que registre su número de documento en su cuenta."),
            motivo="no_registrado")
    return usuario


def dispositivo_de(usuario) -> DispositivoCiudadania:
    dispositivo, _creado = DispositivoCiudadania.objects.get_or_create(
        user=usuario, defaults={"name": "Ciudadanía Digital", "confirmed": True})
    return dispositivo


def decidir(usuario, identidad: Identidad) -> str:
    """``"ingresar"`` (no second factor needed), ``"verificado"`` (the provider asserted it)
    or ``"totp"`` (staff must still type their TOTP code); refusal otherwise."""
    if not requiere_segundo_factor(usuario):
        return "ingresar"
    if identidad.segundo_factor:
        return "verificado"
    if settings.CIUDADANIA_PERSONAL_SIN_SEGUNDO_FACTOR == "totp":
        from cgii.entidades.segundo_factor import tiene_dispositivo

        if tiene_dispositivo(usuario):
            return "totp"
    raise IngresoRechazado(
        _("El personal de CGII debe ingresar con un segundo factor: active la verificación "
          "en dos pasos en Ciudadanía Digital o ingrese con usuario, contraseña y código."),
        motivo="personal_sin_segundo_factor")


def registrar(*, usuario, identidad: Identidad | None, resultado: str) -> None:
    """Audit row of a Ciudadanía Digital login attempt (accepted or refused)."""
    datos = {"resultado": resultado}
    if identidad is not None:
        datos.update(sub=identidad.sub, segundo_factor=identidad.segundo_factor,
                     documento=_enmascarar(identidad.documento))
    with transaction.atomic():
        auditoria_registrar(actor=usuario, accion="ciudadania.ingreso", datos=datos)


def _enmascarar(documento: str) -> str:
    # The audit log is read by staff: enough to recognise the number, not to copy it.
    return ("*" * max(len(documento) - 3, 0)) + documento[-3:]


def url_cierre(*, id_token: str, retorno: str) -> str | None:
    """RP-initiated logout URL when the provider publishes an ``end_session_endpoint``."""
    try:
        metadatos = cliente().load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    if not metadatos.get("end_session_endpoint"):
        return None
    return cliente().create_logout_url(post_logout_redirect_uri=retorno,
                                       id_token_hint=id_token)["url"]
