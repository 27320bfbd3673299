"""Bundles for the tests: small builders over plain dicts (the importer never sees stix2
objects)."""

import uuid

import orjson

from incidentes.indicadores import stix

CREADO = "2026-03-01T12:00:00.000Z"


def nuevo_id(tipo: str) -> str:
    return f"{tipo}--{uuid.uuid4()}"


def indicador(patron: str, **extra) -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": nuevo_id("indicator"),
            "created": CREADO, "modified": CREADO, "pattern": patron, "pattern_type": "stix",
            "valid_from": CREADO, "indicator_types": ["malicious-activity"], **extra}


def sco(tipo: str, **props) -> dict:
    return {"type": tipo, "spec_version": "2.1", "id": nuevo_id(tipo), **props}


def bundle(*objetos) -> dict:
    return {"type": "bundle", "id": nuevo_id("bundle"), "objects": list(objetos)}


def json_de(b: dict) -> bytes:
    return orjson.dumps(b)


TLP1_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TLP1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TLP2_AMBER = stix.TLP2_IDS["amber"]
TLP2_RED = stix.TLP2_IDS["red"]
