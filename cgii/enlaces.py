"""Absolute links to the platform (e-mails, the PISI PDF's QR code), from one setting.

``CGII_URL_BASE`` is the address people reach the platform at. In the embedded profile it
follows the served address (``make run PORT=8101`` sets it to http://127.0.0.1:8101), so a
link never points at a port nobody serves.
"""

from django.conf import settings


def base() -> str:
    return settings.CGII_URL_BASE.rstrip("/")


def absoluto(ruta: str) -> str:
    """``/incidentes/7/`` → ``https://cgii.example/incidentes/7/`` (an absolute URL as is)."""
    if ruta.startswith(("http://", "https://")):
        return ruta
    return base() + "/" + ruta.lstrip("/")
