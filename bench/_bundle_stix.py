"""The synthetic STIX 2.1 bundle of bench/stix.py (and bench/escala.py): ``n`` indicators
of the usual IOC mix after two TLP markings and a producer identity, the same for the same
``semilla``; in memory (``generar_bundle``) or streamed to a file (``escribir_bundle``)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

CREADO = "2026-03-01T12:00:00.000Z"


def generar_bundle(n: int, semilla: int = 6) -> dict:
    cabecera, objetos = _partes_bundle(n, semilla)
    return {**cabecera, "objects": list(objetos)}


def escribir_bundle(n: int, ruta: Path, semilla: int = 6) -> int:
    """The same bundle as generar_bundle, written object by object (the 1,000,000-object
    one is ~550 MB: never held in memory). Returns its size in bytes."""
    import orjson

    cabecera, objetos = _partes_bundle(n, semilla)
    with ruta.open("wb") as f:
        f.write(orjson.dumps(cabecera)[:-1] + b',"objects":[')
        for i, obj in enumerate(objetos):
            f.write(b"," + orjson.dumps(obj) if i else orjson.dumps(obj))
        f.write(b"]}")
    return ruta.stat().st_size


def _partes_bundle(n: int, semilla: int):
    from incidentes.indicadores import stix

    azar = random.Random(semilla)
    verde1 = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"   # TLP 1.0 GREEN
    marcas = [stix.TLP2_IDS["clear"], stix.TLP2_IDS["amber"], verde1]
    productor = f"identity--{uuid.UUID(int=azar.getrandbits(128), version=4)}"
    primeros = [stix.marking_tlp("clear"), stix.marking_tlp("amber"),
                {"type": "identity", "spec_version": "2.1", "id": productor, "created": CREADO,
                 "modified": CREADO, "name": "CSIRT productor",
                 "identity_class": "organization"}]
    cabecera = {"type": "bundle",
                "id": f"bundle--{uuid.UUID(int=azar.getrandbits(128), version=4)}"}
    return cabecera, _objetos_bundle(n, azar, primeros, marcas, productor)


def _objetos_bundle(n, azar, primeros, marcas, productor):
    yield from primeros
    for i in range(n):
        r = i % 100
        if r < 40:
            patron = f"[ipv4-addr:value = '12.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}']"
        elif r < 65:
            patron = f"[domain-name:value = 'Host{i}.Malo-{i % 97}.example']"
        elif r < 80:
            patron = f"[url:value = 'http://descarga{i}.malo.example/Carga/{i}.exe']"
        elif r < 85:
            patron = f"[email-addr:value = 'remitente{i}@phish.example']"
        elif r < 94:
            patron = f"[file:hashes.'SHA-256' = '{azar.getrandbits(256):064x}']"
        elif r < 99:
            patron = f"[file:hashes.MD5 = '{azar.getrandbits(128):032x}']"
        else:
            patron = (f"[network-traffic:dst_port = {1024 + i % 60000}] AND "
                      f"[ipv4-addr:value = '13.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}']")
        yield {
            "type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{uuid.UUID(int=azar.getrandbits(128), version=4)}",
            "created_by_ref": productor, "created": CREADO, "modified": CREADO,
            "name": f"Indicador {i}", "indicator_types": ["malicious-activity"],
            "pattern": patron, "pattern_type": "stix", "pattern_version": "2.1",
            "valid_from": CREADO, "confidence": 50 + i % 50,
            "object_marking_refs": [marcas[i % 3]],
        }
