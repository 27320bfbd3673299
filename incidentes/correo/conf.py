"""The mailbox's settings, read at call time (tests and the bench change them)."""

from django.conf import settings


def activo() -> bool:
    """Read the mailbox only when it is configured and not turned off."""
    return bool(settings.CORREO_ACTIVO and settings.CORREO_IMAP_HOST)


def direccion() -> str:
    """The intake address; replies come to ``<local>+<token>@<domain>`` of it."""
    return settings.CORREO_DIRECCION.strip()


def dominio() -> str:
    """Domain of our Message-IDs: the intake address's, else the sender address's."""
    for valor in (direccion(), settings.DEFAULT_FROM_EMAIL):
        if "@" in valor:
            return valor.rsplit("@", 1)[1].strip(" >").lower()
    return "cgii.invalid"


def direcciones_propias() -> set[str]:
    """Our own addresses: mail claiming to come from them is a loop, never processed."""
    propias = {settings.DEFAULT_FROM_EMAIL.lower().strip()}
    if direccion():
        propias.add(direccion().lower())
    return {p for p in propias if "@" in p}
