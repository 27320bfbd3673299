"""Read a STIX bundle file object by object, whatever its size (memory bounded by a batch).

``json.load``/``orjson.loads`` build the whole document: a 1,000,000-object bundle (~550 MB
of JSON) becomes several GB of Python objects. ijson (yajl2 C backend) parses incrementally
and hands over one element of ``objects`` at a time; we group them in batches.

Document-level checks (a bundle, its id, not STIX 2.0) read the events before the
``objects`` array (where producers put ``type``/``id``); only a document that puts them
after its objects costs one more pass over the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import ijson
from django.utils.translation import gettext as _

from . import stix
from .analisis import CON_CREATED, BundleInvalido

TAMANO_BUFFER = 1 << 20
_DOCUMENTO = ("type", "id", "spec_version")


def _no_es_json(exc: Exception, desde: int | None = None) -> BundleInvalido:
    if desde is None:
        return BundleInvalido(_("El archivo no es JSON válido: %(e)s") % {"e": exc})
    return BundleInvalido(_("El archivo no es JSON válido a partir del objeto %(n)d: %(e)s")
                          % {"n": desde, "e": exc})


def _claves_documento(archivo: BinaryIO) -> dict:
    """Top-level scalars of the document; stops at the ``objects`` array if it has them."""
    claves: dict = {}
    archivo.seek(0)
    eventos = ijson.parse(archivo, buf_size=TAMANO_BUFFER, use_float=True)
    try:
        primero = next(eventos, None)
        if primero is None or primero[:2] != ("", "start_map"):
            raise BundleInvalido(_("No es un bundle STIX: se esperaba un objeto con "
                                   "\"type\": \"bundle\"."))
        for prefijo, evento, valor in eventos:
            if prefijo in _DOCUMENTO and evento not in ("start_map", "start_array"):
                claves[prefijo] = valor
            elif prefijo == "objects" and evento == "start_array":
                if "type" in claves and "id" in claves:
                    return claves
                claves["objects"] = True
            elif prefijo == "objects" and evento != "end_array":
                claves["objects"] = False           # a map or a scalar, not a list
    except ijson.JSONError as exc:
        raise _no_es_json(exc) from None
    return claves


def verificar_cabecera(archivo: BinaryIO) -> None:
    """The checks of ``analisis.verificar_documento`` that do not need the objects."""
    claves = _claves_documento(archivo)
    if claves.get("type") != "bundle":
        raise BundleInvalido(_("No es un bundle STIX: se esperaba un objeto con "
                               "\"type\": \"bundle\"."))
    if claves.get("spec_version") == "2.0":
        raise BundleInvalido(_("El bundle es STIX 2.0; solo se acepta STIX 2.1. Conviértalo "
                               "(por ejemplo con stix2-elevator) y vuelva a enviarlo."))
    ident = claves.get("id")
    if not isinstance(ident, str) or not ident.startswith("bundle--") \
            or not stix.RE_ID.match(ident):
        raise BundleInvalido(_("El bundle necesita un «id» bundle--<uuid>."))
    if claves.get("objects", True) is not True:
        raise BundleInvalido(_("«objects» debe ser una lista."))


def verificar_primer_lote(objetos: list) -> None:
    """STIX 2.0 objects (no ``spec_version``) are told from the first ones, as in
    ``verificar_documento``."""
    sdo = [o for o in objetos[:1000] if isinstance(o, dict) and o.get("type") in CON_CREATED]
    if sdo and all("spec_version" not in o for o in sdo):
        raise BundleInvalido(_("Los objetos no tienen «spec_version»: parece STIX 2.0. Solo se "
                               "acepta STIX 2.1."))


def lotes(archivo: BinaryIO, tamano: int) -> Iterator[list]:
    """The elements of ``objects`` in lists of ``tamano``. Malformed JSON anywhere raises
    BundleInvalido naming the first object not read."""
    archivo.seek(0)
    lote: list = []
    leidos = 0
    try:
        for obj in ijson.items(archivo, "objects.item", buf_size=TAMANO_BUFFER, use_float=True):
            lote.append(obj)
            if len(lote) >= tamano:
                leidos += len(lote)
                yield lote
                lote = []
    except ijson.JSONError as exc:
        raise _no_es_json(exc, leidos + len(lote)) from None
    if lote:
        yield lote
