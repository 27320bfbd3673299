"""What the platform's incident e-mails carry, and the e-mails intake sends back.

- ``cabeceras_notificacion``: registered with core (``cgii.correo.registrar_cabeceras``) so
  that every notification e-mail about an incident (``cgii.eventos.notificaciones``) gets
  the incident's reply address (Reply-To, with its HMAC token), a Message-ID of ours, and
  In-Reply-To/References to the incident's thread root (mail clients thread them), and
  ``Auto-Submitted: auto-generated`` so that auto-responders do not answer (RFC 3834).
- ``al_evento``: the outbox sink of ``correo.respuesta`` (acknowledgements, refusals),
  sent through Django's mail backend after commit, threaded under the sender's message.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from . import tokens

_NO_RESPONDER = {"X-Auto-Response-Suppress": "All"}  # Exchange/Outlook: no out-of-office


def _incidente_del_enlace(enlace: str) -> int | None:
    """Notifications link to the incident's page; that link names the incident."""
    if not enlace:
        return None
    try:
        coincidencia = resolve(enlace.split("?", 1)[0].split("#", 1)[0])
    except Resolver404:
        return None
    if coincidencia.view_name != "incidentes:detalle":
        return None
    return int(coincidencia.kwargs["pk"])


def cabeceras_incidente(incidente_id: int, *, automatico: str = "auto-generated",
                        referencias: list[str] | None = None) -> dict:
    """Threading under the incident's root (and under ``referencias``, the message being
    answered, when there is one) plus the reply address."""
    hilo = tokens.id_hilo(incidente_id)
    referencias = list(referencias or [])
    cabeceras = {"Message-ID": tokens.id_mensaje(incidente_id),
                 "In-Reply-To": referencias[-1] if referencias else hilo,
                 "References": " ".join(dict.fromkeys([hilo, *referencias])),
                 "Auto-Submitted": automatico, **_NO_RESPONDER}
    respuesta = tokens.direccion_respuesta(incidente_id)
    return {"headers": cabeceras, "reply_to": [respuesta] if respuesta else []}


def cabeceras_notificacion(*, datos: dict, destinatario) -> dict | None:
    incidente_id = _incidente_del_enlace(datos.get("enlace") or "")
    if incidente_id is None:
        return None
    return cabeceras_incidente(incidente_id)


def al_evento(evento) -> None:
    """Sink: one e-mail back to a sender (may repeat after a crash, like any mail)."""
    datos = evento.datos
    referencias = [r for r in datos.get("referencias") or [] if r]
    if datos.get("incidente_id"):
        extras = cabeceras_incidente(datos["incidente_id"], automatico="auto-replied",
                                     referencias=referencias)
    else:
        cabeceras = {"Auto-Submitted": "auto-replied", **_NO_RESPONDER,
                     "Message-ID": tokens.id_mensaje()}
        if datos.get("en_respuesta_a"):
            cabeceras["In-Reply-To"] = datos["en_respuesta_a"]
            cabeceras["References"] = " ".join(referencias)
        extras = {"headers": cabeceras, "reply_to": []}
    EmailMessage(subject=datos.get("asunto") or _("[CGII] Respuesta automática"),
                 body=datos.get("cuerpo", ""), from_email=settings.DEFAULT_FROM_EMAIL,
                 to=[datos["para"]], headers=extras["headers"],
                 reply_to=extras["reply_to"]).send()
