"""Reply tokens and threading identifiers of incident e-mails.

Every e-mail about an incident carries the token ``i<id>-<hmac>``: in its Reply-To
(plus-addressing, ``incidentes+i42-5f0c…@cgii.gob.bo``) and in its Message-ID / References
(``<cgii.hilo.i42-5f0c…@cgii.gob.bo>``), so a reply finds its incident even when a mail
server drops the ``+detail``. The HMAC (Django's ``salted_hmac`` over SECRET_KEY) makes the
token unforgeable: changing the id without the key gives a token that does not verify, and
such a message is treated as forged (triage), never threaded.
"""

import re
import uuid
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from . import conf

_SAL = "incidentes.correo.respuesta"
LARGO_FIRMA = 20  # hex characters: 80 bits
# Case-insensitive: some mail systems fold the local part.
RE_TOKEN = re.compile(rf"(?<![0-9a-z])i(\d{{1,12}})-([0-9a-f]{{{LARGO_FIRMA}}})(?![0-9a-z])",
                      re.IGNORECASE)


def firma(incidente_id: int) -> str:
    return salted_hmac(_SAL, str(int(incidente_id)), algorithm="sha256").hexdigest()[:LARGO_FIRMA]


def token(incidente_id: int) -> str:
    return f"i{int(incidente_id)}-{firma(incidente_id)}"


def direccion_respuesta(incidente_id: int) -> str:
    """``local+token@domain`` of the intake address ('' when no intake address is set)."""
    direccion = conf.direccion()
    if "@" not in direccion:
        return ""
    local, dominio = direccion.rsplit("@", 1)
    return f"{local}+{token(incidente_id)}@{dominio}"


def id_hilo(incidente_id: int) -> str:
    """The thread's root Message-ID: every e-mail of the incident refers to it."""
    return f"<cgii.hilo.{token(incidente_id)}@{conf.dominio()}>"


def id_mensaje(incidente_id: int | None = None) -> str:
    marca = f".{token(incidente_id)}" if incidente_id else ""
    return f"<cgii.{uuid.uuid4().hex}{marca}@{conf.dominio()}>"


@dataclass(frozen=True)
class Referencia:
    incidente_id: int | None = None
    forjado: bool = False   # a token of ours whose HMAC does not verify


def _en_direccion(direccion: str) -> str | None:
    """The ``+detail`` of an address of our intake mailbox, if it is one."""
    propia = conf.direccion().lower()
    if "@" not in propia or "@" not in direccion:
        return None
    local, dominio = direccion.lower().rsplit("@", 1)
    local_propio, dominio_propio = propia.rsplit("@", 1)
    if dominio != dominio_propio or not local.startswith(local_propio + "+"):
        return None
    return local[len(local_propio) + 1:]


def buscar(*, direcciones: list[str], ids_mensaje: list[str]) -> Referencia:
    """The incident a message answers: from a plus-address of ours, else from a Message-ID
    of ours it refers to. Any token of ours that fails to verify marks it forged."""
    encontrados: list[tuple[str, str]] = []
    for d in direcciones:
        detalle = _en_direccion(d)
        if detalle is not None:
            m = RE_TOKEN.fullmatch(detalle)
            encontrados.append(m.groups() if m else ("", detalle))
    sufijo = "@" + conf.dominio() + ">"
    for mid in ids_mensaje:
        if mid.lower().endswith(sufijo):
            encontrados += RE_TOKEN.findall(mid)
    forjado = False
    for numero, dada in encontrados:
        if numero and constant_time_compare(dada.lower(), firma(int(numero))):
            return Referencia(incidente_id=int(numero))
        forjado = True
    return Referencia(forjado=forjado)
