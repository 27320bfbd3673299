"""Canonical form and hash of one audit row (see docs/auditoria.md, "Canonical form").

Everything here is part of the stored data's meaning: changing the field list or the encoding
makes every existing hash fail verification. Add a new format version instead of editing this.
"""

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

HASH_INICIAL = "0" * 64

# One encoder instance: json.dumps(..., ensure_ascii=False) builds a new one on every call,
# which dominated the verifier's run time.
_cadena_json = json.JSONEncoder(ensure_ascii=False).encode

# Every stored column except ``hash`` itself, in a fixed order (the order is irrelevant to the
# output because keys are sorted, but the *set* is the contract).
CAMPOS_HASH: tuple[str, ...] = (
    "secuencia",
    "momento",
    "actor_id",
    "actor_repr",
    "accion",
    "objeto_tipo",
    "objeto_id",
    "objeto_repr",
    "entidad_id",
    "antes",
    "despues",
    "datos",
    "request_id",
    "ip",
    "hash_anterior",
)


def canonico(campos: Mapping[str, object]) -> bytes:
    """UTF-8 canonical JSON of the hashed fields of a row (``campos`` may hold extra keys)."""
    return _valor({nombre: campos[nombre] for nombre in CAMPOS_HASH}).encode("utf-8")


def calcular_hash(campos: Mapping[str, object]) -> str:
    return hashlib.sha256(canonico(campos)).hexdigest()


def momento_canonico(momento: datetime) -> str:
    if momento.tzinfo is None:
        raise ValueError("El momento de auditoría debe ser un datetime con zona horaria.")
    return momento.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _valor(valor: object) -> str:
    # bool before int: bool is a subclass of int.
    if valor is None:
        return "null"
    if valor is True:
        return "true"
    if valor is False:
        return "false"
    if isinstance(valor, int | float):
        return _numero(valor)
    if isinstance(valor, str):
        return _cadena_json(valor)
    if isinstance(valor, datetime):
        return _cadena_json(momento_canonico(valor))
    if isinstance(valor, list | tuple):
        return "[" + ",".join(_valor(v) for v in valor) + "]"
    if isinstance(valor, dict):
        if not all(isinstance(k, str) for k in valor):
            raise TypeError("Las claves JSON de auditoría deben ser cadenas.")
        partes = (_cadena_json(k) + ":" + _valor(valor[k]) for k in sorted(valor))
        return "{" + ",".join(partes) + "}"
    raise TypeError(f"Valor no serializable en auditoría: {type(valor).__name__}")


def _numero(numero: int | float) -> str:
    """Exact value in plain decimal notation: no exponent, no trailing zeros, ``1.0`` -> ``1``.

    PostgreSQL ``jsonb`` keeps numbers as ``numeric`` and prints them that way, so ``1e16``
    comes back as the int ``10000000000000000`` and ``1.50`` as ``1.5``: the same number must
    hash the same whichever Python type it is read back as.
    """
    if isinstance(numero, float) and not math.isfinite(numero):
        raise ValueError("NaN/Infinity no son JSON válido.")
    # repr() of a float is the shortest string that round-trips, i.e. what json.dumps stored.
    exacto = Decimal(numero) if isinstance(numero, int) else Decimal(repr(numero))
    texto = format(exacto, "f")  # exact: no precision given, so no context rounding
    if "." in texto:
        texto = texto.rstrip("0").rstrip(".")
    return "0" if texto in ("-0", "0") else texto
