"""Writes of the entidades app: API tokens and TOTP enrolment."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cgii.auditoria.services import auditoria_registrar
from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida

from .models import AlcanceToken, Entidad, RolCGII, TokenAPI, Usuario
from .revocacion import avisar_revocacion
from .selectors import es_personal_cgii, membresias_activas, tiene_rol_cgii

PREFIJO_CLAVE = "cgii_"
LARGO_PREFIJO = 8


def hash_de_clave(clave: str) -> str:
    return hashlib.sha256(clave.encode()).hexdigest()


def prefijo_de_clave(clave: str) -> str:
    """The first characters of the random part: "cgii_" alone would name every token."""
    return clave.removeprefix(PREFIJO_CLAVE)[:LARGO_PREFIJO]


def _entidad_del_token(usuario: Usuario, entidad: Entidad | None) -> Entidad | None:
    if es_personal_cgii(usuario):
        if entidad is not None:
            raise ErrorValidacion(
                _("Los tokens del personal CGII no se limitan a una entidad."),
                extra={"entidad": [_("Debe quedar vacío para el personal CGII.")]},
            )
        return None
    # membresias_activas honours an already-scoped request (a token creating a token can
    # never reach an entity outside its own scope).
    propias = {m.entidad_id: m.entidad for m in membresias_activas(usuario)}
    if entidad is not None:
        if entidad.pk not in propias:
            raise ErrorValidacion(
                _("La entidad indicada no es válida para este usuario."),
                extra={"entidad": [_("Entidad no válida.")]},
            )
        return propias[entidad.pk]
    if not propias:
        raise ErrorValidacion(_("El usuario no pertenece a ninguna entidad activa."))
    if len(propias) > 1:
        siglas = sorted(e.sigla for e in propias.values())
        raise ErrorValidacion(
            _("El usuario pertenece a varias entidades: indique a cuál se limita el token."),
            extra={"entidad": siglas},
        )
    return next(iter(propias.values()))


def sesion_verificada(usuario) -> bool:
    """Whether the request's session passed TOTP (django_otp's ``is_verified``)."""
    verificado = getattr(usuario, "is_verified", None)
    return bool(verificado and verificado())


def _vencimiento(dias: int | None):
    from django.conf import settings

    maximo = settings.TOKENS_API_DIAS_MAXIMO
    if dias is None:
        dias = min(settings.TOKENS_API_DIAS, maximo)
    if isinstance(dias, bool) or not isinstance(dias, int) or not 1 <= dias <= maximo:
        raise ErrorValidacion(extra={"dias": [
            _("Entre 1 y %(n)d días.") % {"n": maximo}]})
    return timezone.now() + timedelta(days=dias)


def token_crear(
    *, usuario: Usuario, nombre: str, entidad: Entidad | None = None,
    actor: Usuario | str | None = None, alcance: str = AlcanceToken.LECTURA,
    dias: int | None = None, segundo_factor: bool = False,
) -> tuple[TokenAPI, str]:
    """Create an API token and return it with its key; the key is never stored nor shown again.

    An entity user's token is limited to one of its entities (its only one by default);
    a CGII staff token has no entity, and is only created when ``segundo_factor`` says the
    request comes from a session that passed TOTP (a staff token acts with the staff roles
    and no second factor: minting one must need it). The ``token_api`` command passes True:
    whoever runs it holds the server. The token expires after ``dias`` (default
    TOKENS_API_DIAS, at most TOKENS_API_DIAS_MAXIMO); ``alcance`` is "lectura" (refused
    any writing request) or "escritura". ``actor`` (audit) defaults to the owner; a command
    passes a string naming itself.
    """
    nombre = (nombre or "").strip()
    if not nombre:
        raise ErrorValidacion(extra={"nombre": [_("El nombre es obligatorio.")]})
    if len(nombre) > TokenAPI._meta.get_field("nombre").max_length:
        raise ErrorValidacion(extra={"nombre": [_("El nombre es demasiado largo.")]})
    if alcance not in AlcanceToken.values:
        raise ErrorValidacion(extra={"alcance": [_("Alcance no válido.")]})
    expira = _vencimiento(dias)
    if not usuario.is_active:
        raise ErrorValidacion(_("El usuario está inactivo."))
    if es_personal_cgii(usuario) and not segundo_factor:
        raise PermisoDenegado(_("El personal CGII crea tokens solo desde una sesión "
                                "verificada con el código de su aplicación autenticadora."))
    entidad = _entidad_del_token(usuario, entidad)

    clave = PREFIJO_CLAVE + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = TokenAPI.objects.create(
            usuario=usuario, entidad=entidad, nombre=nombre,
            prefijo=prefijo_de_clave(clave), hash=hash_de_clave(clave),
            alcance=alcance, expira=expira,
        )
        auditoria_registrar(
            actor=actor if actor is not None else usuario,
            accion="token_api.crear",
            objeto=token,
            despues={"nombre": nombre, "prefijo": token.prefijo, "usuario": usuario.username,
                     "entidad": entidad.sigla if entidad else None, "alcance": alcance,
                     "expira": expira.isoformat()},
        )
    return token, clave


def token_revocar(*, token: TokenAPI, actor: Usuario | str | None) -> TokenAPI:
    """Revoke a token. Idempotent: revoking a revoked token changes nothing and audits nothing.

    ``actor`` is the owner or a CGII administrator; a string (or ``None``) names a trusted
    process such as the ``token_api`` command, which has no user to check.
    """
    if isinstance(actor, Usuario) and actor.pk != token.usuario_id and not tiene_rol_cgii(
        actor, RolCGII.ADMINISTRADOR
    ):
        raise PermisoDenegado()
    with transaction.atomic():
        token = TokenAPI.objects.select_for_update().get(pk=token.pk)
        if token.revocado_en is not None:
            return token
        token.revocado_en = timezone.now()
        token.save(update_fields=["revocado_en"])
        auditoria_registrar(
            actor=actor, accion="token_api.revocar", objeto=token,
            antes={"revocado_en": None}, despues={"revocado_en": token.revocado_en},
            datos={"prefijo": token.prefijo, "usuario_id": token.usuario_id},
        )
        avisar_revocacion(token.usuario_id, token_id=token.pk, motivo="token_revocado")
    return token


def totp_iniciar_enrolamiento(*, usuario: Usuario) -> TOTPDevice:
    """A fresh unconfirmed device for first-time TOTP setup; older unconfirmed ones go."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=usuario, confirmed=False).delete()
        return TOTPDevice.objects.create(user=usuario, name=_("Autenticador CGII"), confirmed=False)


def totp_confirmar(*, dispositivo: TOTPDevice, codigo: str) -> TOTPDevice:
    """Confirm an enrolment device once the user proves it by a code from their app."""
    with transaction.atomic():
        dispositivo = TOTPDevice.objects.select_for_update().get(pk=dispositivo.pk)
        if dispositivo.confirmed:
            raise TransicionInvalida(_("El dispositivo ya estaba confirmado."))
        # verify_token saves its throttling counter on failure: raise only after the block
        # commits, or the rollback would erase the counter and allow unlimited guessing.
        valido = dispositivo.verify_token(codigo)
        if valido:
            dispositivo.confirmed = True
            dispositivo.save(update_fields=["confirmed"])
            auditoria_registrar(
                actor=dispositivo.user, accion="totp.confirmar", objeto=dispositivo,
                datos={"usuario": dispositivo.user.username},
            )
    if not valido:
        raise ErrorValidacion(extra={"codigo": [_("El código de verificación no es válido.")]})
    return dispositivo
