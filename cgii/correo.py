"""Development mail backend: the console backend, but on stderr, so that commands whose
stdout is machine-read (``cargar_demo --json``) are not polluted by notification e-mails."""

import sys

from django.core.mail.backends.console import EmailBackend


class ConsolaStderr(EmailBackend):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)


# ---- what the platform's e-mails carry besides their text ---------------------------------
# A domain app registers a provider (e.g. incidentes.correo: the incident's reply address and
# threading headers); the notification sink asks them for every mail it sends. Core never
# names the app that answers.

_proveedores: list = []


def registrar_cabeceras(funcion) -> None:
    """``funcion(*, datos, destinatario) -> {"headers": {...}, "reply_to": [...]}`` or None;
    ``datos`` is the ``notificacion.correo`` event's data. Idempotent."""
    if funcion not in _proveedores:
        _proveedores.append(funcion)


def extras_para(*, datos: dict, destinatario) -> dict:
    """Headers and Reply-To for one outgoing mail, merged from every provider."""
    extras: dict = {"headers": {}, "reply_to": []}
    for funcion in _proveedores:
        propio = funcion(datos=datos, destinatario=destinatario) or {}
        extras["headers"].update(propio.get("headers") or {})
        extras["reply_to"] += list(propio.get("reply_to") or [])
    return extras
