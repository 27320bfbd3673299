"""Test helper for every app: a logged-in session that has passed the second factor.

CGII staff sessions without a verified TOTP device are ended by
SegundoFactorPersonalMiddleware, so ``client.force_login(analista)`` alone is not enough.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def iniciar_sesion_verificada(cliente, usuario) -> TOTPDevice:
    """Log ``usuario`` into ``cliente`` (Client or APIClient) as the login view would."""
    dispositivo = TOTPDevice.objects.filter(user=usuario, confirmed=True).first()
    if dispositivo is None:
        dispositivo = TOTPDevice.objects.create(user=usuario, name="pruebas", confirmed=True)
    cliente.force_login(usuario, backend="cgii.entidades.backend.BackendUsuarios")
    sesion = cliente.session
    sesion[DEVICE_ID_SESSION_KEY] = dispositivo.persistent_id
    sesion.save()
    return dispositivo


def ingresar(cliente, usuario):
    """``cliente`` logged in as ``usuario``: staff (any group) with a verified session, an
    entity user with a plain login. Returns the client."""
    if usuario.groups.exists():
        iniciar_sesion_verificada(cliente, usuario)
    else:
        cliente.force_login(usuario)
    return cliente
