"""TOTP second factor helpers shared by the login views and the enrolment step."""

import base64

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice


def verificar_codigo(usuario, codigo: str) -> Device | None:
    """The confirmed device of ``usuario`` that accepts ``codigo``, if any.

    Each device checks its own throttling and replay (``last_t``); rows are locked so that
    two requests cannot both spend the same code.
    """
    with transaction.atomic():
        for dispositivo in devices_for_user(usuario, confirmed=True, for_verify=True):
            if dispositivo.verify_token(codigo):
                return dispositivo
    return None


def tiene_dispositivo(usuario) -> bool:
    """An authenticator the user can type a code from. The Ciudadanía Digital marker device
    (``sin_codigo``) does not count: it accepts no code."""
    return any(not getattr(d, "sin_codigo", False)
               for d in devices_for_user(usuario, confirmed=True))


def secreto_base32(dispositivo: TOTPDevice) -> str:
    """The key as authenticator apps show it, for typing it in by hand."""
    return base64.b32encode(dispositivo.bin_key).decode().rstrip("=")


def qr_svg(texto: str) -> SafeString:
    """Inline SVG QR code (no image request, nothing for the CSP to allow)."""
    imagen = qrcode.make(texto, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    # Safe: qrcode builds the markup from numbers only; the text is encoded, never echoed.
    return mark_safe(imagen.to_string(encoding="unicode"))
