"""The only writer of audit rows."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from cgii.auditoria.cadena import HASH_INICIAL, calcular_hash
from cgii.auditoria.contexto import contexto_actual
from cgii.auditoria.models import RegistroAuditoria

# pg_advisory_xact_lock key for the whole chain (ASCII "cgiiaudi"); one key = one chain.
CLAVE_CERROJO_CADENA = 0x6367_6969_6175_6469


def auditoria_registrar(
    *,
    actor,
    accion: str,
    objeto: models.Model | None = None,
    entidad_id: int | None = None,
    antes: dict | None = None,
    despues: dict | None = None,
    datos: dict | None = None,
) -> RegistroAuditoria:
    """Append one row to the audit chain, inside the caller's transaction if there is one.

    ``actor``: a user, ``None`` (the system) or a short string naming a process.
    ``entidad_id`` defaults to ``objeto.entidad_id`` (or the pk when ``objeto`` is an Entidad).
    ``antes``/``despues``/``datos`` are stored as their DjangoJSONEncoder JSON (datetimes,
    Decimals and UUIDs become strings), which is exactly what gets hashed and read back.

    Holds the chain lock until the caller's transaction ends: call it late in the service.
    """
    if not accion:
        raise ValueError("La acción de auditoría es obligatoria.")
    contexto = contexto_actual()
    actor_id, actor_repr = _actor(actor)
    campos: dict[str, object] = {
        "actor_id": actor_id,
        "actor_repr": _texto(actor_repr, "actor_repr"),
        "accion": accion,
        "objeto_tipo": "",
        "objeto_id": "",
        "objeto_repr": "",
        "entidad_id": entidad_id,
        "antes": _json(antes),
        "despues": _json(despues),
        "datos": _json(datos),
        "request_id": contexto.request_id,
        "ip": contexto.ip,
    }
    if objeto is not None:
        campos.update(_objeto(objeto, entidad_id))

    # savepoint=False: joins the caller's transaction (an error then aborts the caller's
    # whole write, which is the point), or opens one when called in autocommit.
    with transaction.atomic(savepoint=False):
        _bloquear_cadena()
        ultimo = (RegistroAuditoria.objects.order_by("-secuencia")
                  .values_list("secuencia", "hash").first())
        secuencia, hash_anterior = (ultimo[0] + 1, ultimo[1]) if ultimo else (1, HASH_INICIAL)
        # Taken under the lock so that momento never goes backwards along the chain.
        campos.update(secuencia=secuencia, momento=timezone.now(), hash_anterior=hash_anterior)
        registro = RegistroAuditoria(**campos, hash=calcular_hash(campos))
        registro.save()
    return registro


def _bloquear_cadena() -> None:
    """Serialise appends until commit so two transactions never chain from the same row.

    Without it the primary key would still refuse a fork, but the loser would fail with an
    IntegrityError instead of waiting. SQLite needs nothing: it allows one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAVE_CERROJO_CADENA])


def _actor(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "sistema"
    if isinstance(actor, str):
        return None, actor
    if not getattr(actor, "is_authenticated", True):
        return None, "anónimo"
    nombre = actor.get_username() if hasattr(actor, "get_username") else str(actor)
    return actor.pk, nombre


def _objeto(objeto: models.Model, entidad_id: int | None) -> dict[str, object]:
    if objeto.pk is None:
        raise ValueError("Solo se auditan objetos guardados (sin clave primaria).")
    tipo = objeto._meta.label_lower
    if entidad_id is None:
        entidad_id = objeto.pk if tipo == "entidades.entidad" else getattr(objeto, "entidad_id", None)
    return {
        "objeto_tipo": tipo,
        "objeto_id": str(objeto.pk),
        "objeto_repr": _texto(str(objeto), "objeto_repr"),
        "entidad_id": entidad_id,
    }


def _texto(valor: str, campo: str) -> str:
    # Human descriptions are cut to fit rather than failing the caller's write; PostgreSQL
    # rejects NUL in text. Done before hashing so the hash covers what is stored.
    largo = RegistroAuditoria._meta.get_field(campo).max_length
    return valor.replace("\x00", "\ufffd")[:largo]


def _json(valor: object) -> object:
    """Plain JSON types only, so the hashed value equals the value read back from the DB."""
    if valor is None:
        return None
    return json.loads(json.dumps(valor, cls=DjangoJSONEncoder, allow_nan=False))
