"""STIX 2.1 constants and pure helpers: deterministic ids, TLP markings, timestamps, patterns.

Nothing here touches the database. Ids:

- SCOs (ipv4-addr, domain-name, file, …) get the id STIX 2.1 §2.9 prescribes: UUIDv5 in the
  OASIS namespace over the RFC 8785 (JCS) canonical JSON of the id-contributing properties.
  Two producers that normalise a value the same way agree on the id.
- Our SDOs (indicator, sighting, incident, identity, relationship, observed-data) get UUIDv5
  ids in OUR namespace (``NAMESPACE_CGII``), never the OASIS one: the OASIS namespace is
  reserved for SCOs, and reusing it would make our SDO ids collide with other producers'.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from functools import lru_cache

# STIX 2.1 §2.9: the namespace for deterministic SCO ids.
NAMESPACE_SCO = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
# Ours, for every SDO/SRO we generate (uuid5(NAMESPACE_URL, "https://cgii.gob.bo/stix")).
NAMESPACE_CGII = uuid.UUID("364bc719-6d1a-5ced-8193-7df6025e7e18")

ESPECIFICACION = "2.1"

# ---- TLP -------------------------------------------------------------------------------

EXTENSION_TLP2 = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
EXTENSION_INCIDENT_CORE = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"

# TLP 2.0 (FIRST, as published by OASIS in cti-stix-common-objects).
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 (STIX 2.1 §7.2.1.4), accepted on import as aliases: WHITE is CLEAR in TLP 2.0.
TLP1_IDS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
# Our code → the TLP 1.0 name its standard marking-definition carries.
TLP1_NOMBRES = {"clear": "white", "green": "green", "amber": "amber", "red": "red"}
TLP_POR_ID = {**{v: k for k, v in TLP2_IDS.items()}, **TLP1_IDS}
# From least to most restrictive; when an object carries several TLP markings the most
# restrictive one wins.
ORDEN_TLP = ("clear", "green", "amber", "amber+strict", "red")
RANGO_TLP = {codigo: i for i, codigo in enumerate(ORDEN_TLP)}
NOMBRE_TLP = {"clear": "TLP:CLEAR", "green": "TLP:GREEN", "amber": "TLP:AMBER",
              "amber+strict": "TLP:AMBER+STRICT", "red": "TLP:RED"}
# TLP 1.0 "white" and spellings seen in the wild.
ALIAS_TLP = {"white": "clear", "tlp:white": "clear", "tlp:clear": "clear", "tlp:green": "green",
             "tlp:amber": "amber", "tlp:amber+strict": "amber+strict", "tlp:red": "red"}


def tlp_codigo(valor: str | None) -> str | None:
    """'clear' … 'red' from a code, a TLP 1.0/2.0 name or a marking-definition id."""
    if not valor:
        return None
    texto = str(valor).strip().lower()
    if texto in RANGO_TLP:
        return texto
    if texto in ALIAS_TLP:
        return ALIAS_TLP[texto]
    return TLP_POR_ID.get(texto)


def tlp_mas_restrictivo(codigos) -> str | None:
    codigos = [c for c in codigos if c]
    return max(codigos, key=RANGO_TLP.__getitem__) if codigos else None


def marking_tlp(codigo: str) -> dict:
    """The TLP 2.0 marking-definition object, exactly as FIRST/OASIS publish it."""
    return {
        "type": "marking-definition",
        "spec_version": ESPECIFICACION,
        "id": TLP2_IDS[codigo],
        "created": "2022-10-01T00:00:00.000Z",
        "name": NOMBRE_TLP[codigo],
        "extensions": {
            EXTENSION_TLP2: {"extension_type": "property-extension", "tlp_2_0": codigo},
        },
    }


# ---- ids -------------------------------------------------------------------------------

_RE_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
RE_ID = re.compile(rf"^([a-z0-9][a-z0-9-]*[a-z0-9])--({_RE_UUID})$")


def jcs(objeto) -> str:
    """RFC 8785 canonical JSON for the JSON we hash (objects of strings, numbers, lists).

    Python's ``json`` with sorted keys, no whitespace and ``ensure_ascii=False`` produces the
    same text as JCS for these inputs: the same escapes (``\\"``, ``\\\\``, ``\\b\\f\\n\\r\\t``,
    other control characters as lower-case ``\\u00xx``), everything else literal UTF-8. Keys
    are ASCII property names, so code-point order equals JCS's UTF-16 order. Floats are not
    used in id-contributing properties of the SCOs we build. Tested against the ``stix2``
    library's canonicaliser.
    """
    return json.dumps(objeto, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


_cadena = json.JSONEncoder(ensure_ascii=False).encode   # one JSON string literal, JCS escapes
cadena_json = _cadena


def uuid5_bytes(datos: bytes) -> bytes:
    """uuid.uuid5(ns, name).bytes from ``ns.bytes + name.encode()`` (the 16 bytes a binary
    COPY sends for a uuid column)."""
    h = bytearray(hashlib.sha1(datos).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50      # version 5
    h[8] = (h[8] & 0x3F) | 0x80      # RFC 4122 variant
    return bytes(h)


def _uuid5_de(datos: bytes) -> str:
    """str(uuid.uuid5(ns, name)) from ``ns.bytes + name.encode()``, without building UUID
    objects (hot path of imports; equality with uuid.uuid5 is tested)."""
    x = uuid5_bytes(datos).hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


uuid5_de = _uuid5_de


def _uuid5(espacio: uuid.UUID, texto: str) -> str:
    return _uuid5_de(espacio.bytes + texto.encode("utf-8"))


_PREFIJO_VALUE = NAMESPACE_SCO.bytes + b'{"value":'
PREFIJO_VALUE = _PREFIJO_VALUE


def id_sco(tipo_stix: str, contribuyentes: dict) -> str:
    """Deterministic SCO id per STIX 2.1 §2.9 (e.g. ``{"value": "198.51.100.7"}``)."""
    if len(contribuyentes) == 1 and type(contribuyentes.get("value")) is str:
        # The common case, canonicalised by hand: {"value":"<escaped>"}.
        return (f"{tipo_stix}--"
                f"{_uuid5_de(_PREFIJO_VALUE + _cadena(contribuyentes['value']).encode() + b'}')}")
    return f"{tipo_stix}--{_uuid5(NAMESPACE_SCO, jcs(contribuyentes))}"


def id_cgii(tipo_stix: str, *partes: str) -> str:
    """Deterministic id of an object WE produce (never in the OASIS SCO namespace)."""
    return f"{tipo_stix}--{uuid_cgii(tipo_stix, *partes)}"


def uuid_cgii(tipo_stix: str, *partes: str) -> str:
    """UUIDv5 (text) in NAMESPACE_CGII over the JCS form of [type, *parts] (all strings)."""
    texto = "[" + ",".join(_cadena(p) for p in (tipo_stix, *partes)) + "]"
    return _uuid5(NAMESPACE_CGII, texto)


@lru_cache(maxsize=64)
def _prefijo_cgii(tipo_stix: str, primera: str) -> bytes:
    return NAMESPACE_CGII.bytes + f"[{_cadena(tipo_stix)},{_cadena(primera)},".encode()


prefijo_cgii = _prefijo_cgii


def uuid_cgii_2(tipo_stix: str, primera: str, segunda: str) -> str:
    """uuid_cgii(tipo_stix, primera, segunda) with the constant prefix cached (ids of
    indicators: ("indicator", type, value))."""
    return _uuid5_de(_prefijo_cgii(tipo_stix, primera) + _cadena(segunda).encode() + b"]")


# ---- timestamps -------------------------------------------------------------------------

RE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def ts(momento: datetime) -> str:
    """STIX timestamp, UTC, millisecond precision: 2026-01-02T03:04:05.678Z."""
    u = momento.astimezone(UTC)
    return u.strftime("%Y-%m-%dT%H:%M:%S.") + f"{u.microsecond // 1000:03d}Z"


def leer_ts(texto) -> datetime | None:
    """A STIX timestamp as an aware datetime, or None when it is not one."""
    return _leer_ts(texto) if isinstance(texto, str) else None


@lru_cache(maxsize=8192)
def _leer_ts(texto: str) -> datetime | None:
    # Cached: bundles repeat the same created/modified/valid_from values.
    if not RE_TIMESTAMP.match(texto):
        return None
    try:
        # Python 3.11 accepts any number of fractional digits (keeps microseconds).
        return datetime.fromisoformat(texto[:-1] + "+00:00")
    except ValueError:
        return None


# ---- patterns --------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def errores_patron(patron: str) -> tuple[str, ...]:
    """Errors of a STIX 2.1 pattern (empty when valid), cached by the pattern's text.

    The ANTLR validator costs ~0.2 ms per call; bundles repeat patterns (same pattern in
    several versions, sightings of the same indicator), and the simple patterns we generate
    never reach it (``normalizacion.patron_simple`` recognises them first).
    """
    from stix2patterns.validator import run_validator

    try:
        return tuple(str(e).removeprefix("FAIL: ") for e in run_validator(patron,
                                                                            stix_version="2.1"))
    except Exception as exc:  # noqa: BLE001 - the ANTLR runtime raises many kinds
        return (f"{type(exc).__name__}: {exc}",)


def literal(valor: str) -> str:
    """A STIX pattern string literal: quote, escaping backslash and quote."""
    if "'" in valor or "\\" in valor:
        valor = valor.replace("\\", "\\\\").replace("'", "\\'")
    return "'" + valor + "'"


def uuids_de_indicadores(refs) -> dict[uuid.UUID, str]:
    """The UUID of each ``indicator--<uuid>`` reference (others and malformed ones left out),
    to look up indicators we store by ``stix_uuid``: both import paths resolve references
    to indicators outside the bundle (or outside the batch) this way."""
    uuids = {}
    for ref in refs:
        if ref.startswith("indicator--"):
            try:
                uuids[uuid.UUID(ref.split("--", 1)[1])] = ref
            except ValueError:
                continue
    return uuids
