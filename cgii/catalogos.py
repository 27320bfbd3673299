"""Shared rules for the versioned YAML catalogs every app ships (protocols, controls…).

A catalog file has an integer ``version``; its parsed content is fingerprinted so that
reformatting is not a change. Loading decides by comparing with what is loaded: nothing
loaded or a newer version → load; same version and fingerprint → nothing to do; an older
version, or the same version with other content → refused with a message naming the catalog.
"""

import copy
import hashlib
import json
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion


def error(catalogo: str, mensaje: str) -> ErrorValidacion:
    return ErrorValidacion(f"{catalogo}: {mensaje}", extra={"catalogo": catalogo})


def exigir(catalogo: str, condicion: bool, mensaje: str) -> None:
    if not condicion:
        raise error(catalogo, mensaje)


# libyaml's loader when PyYAML was built with it (the wheels are): the pure-Python parser
# took ~1 s for the control catalogs, paid by every test that loads them.
_CARGADOR = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Parsed files by content: a process (the test suite, a worker) loads the same files often.
_leidos: dict[bytes, tuple[dict, str]] = {}


def leer(ruta: Path) -> tuple[dict, str]:
    """(parsed content, SHA-256 fingerprint of the parsed content). The content is a fresh
    copy on every call: loaders may change what they get."""
    contenido = ruta.read_bytes()
    clave = hashlib.sha256(contenido).digest()
    if clave not in _leidos:
        try:
            datos = yaml.load(contenido, Loader=_CARGADOR)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            raise error(ruta.name, _("YAML inválido: %(e)s") % {"e": exc}) from exc
        if not isinstance(datos, dict) or not isinstance(datos.get("version"), int):
            raise error(ruta.name, _("falta «version» (entero)"))
        huella = hashlib.sha256(json.dumps(datos, sort_keys=True, default=str).encode()
                                ).hexdigest()
        _leidos[clave] = (datos, huella)
    datos, huella = _leidos[clave]
    return copy.deepcopy(datos), huella


def decidir(catalogo: str, cargado, version: int, huella: str) -> bool:
    """``cargado``: the loaded (version, fingerprint) or None. True when a load is due."""
    if cargado is None:
        return True
    version_cargada, huella_cargada = cargado
    if version < version_cargada:
        raise error(catalogo, _("la versión %(v)d es anterior a la cargada (%(a)d); se "
                                "rechaza.") % {"v": version, "a": version_cargada})
    if version == version_cargada:
        if huella != huella_cargada:
            raise error(catalogo, _("el contenido cambió pero sigue en la versión %(v)d: "
                                    "suba la versión.") % {"v": version})
        return False
    return True
