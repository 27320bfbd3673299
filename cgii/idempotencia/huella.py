"""The key itself (validated) and the fingerprint of the request it was sent with.

The fingerprint tells "the same request sent again" from "another request reusing the key":
method, path, query (sorted), the credential (a token scoped to one entity must not replay
what another of the user's tokens received) and the body in canonical form — JSON parsed and
dumped with sorted keys; multipart and form bodies as their sorted fields with each file's
name, size and SHA-256 (a client regenerates the multipart boundary on every retry); any
other body as its raw bytes.
"""

from __future__ import annotations

import hashlib
import re
import tempfile

import orjson
from django.conf import settings
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion

CABECERA = "Idempotency-Key"
_META = "HTTP_IDEMPOTENCY_KEY"
_VALIDA = re.compile(r"[\x20-\x7e]{1,255}")
# An RFC 8941 sf-string, as the IETF draft writes the header: "..." with \" and \\ escapes.
_SF_STRING = re.compile(r'"((?:[^"\\]|\\["\\])*)"')
_FORMULARIOS = ("multipart/form-data", "application/x-www-form-urlencoded")
_BLOQUE = 64 * 1024


def clave_de(request) -> str | None:
    """The request's key; None without the header. Raises ErrorValidacion (400) for a key
    that is not 1-255 printable ASCII characters."""
    valor = request.META.get(_META)
    if valor is None:
        return None
    valor = valor.strip()
    citada = _SF_STRING.fullmatch(valor)
    if citada:
        valor = re.sub(r"\\(.)", r"\1", citada.group(1))
    if not _VALIDA.fullmatch(valor):
        raise ErrorValidacion(
            _("La cabecera Idempotency-Key debe tener entre 1 y 255 caracteres ASCII "
              "imprimibles."), extra={"cabecera": CABECERA})
    return valor


def _media(request) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


def _es_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def _digest_archivo(archivo) -> str:
    digest = hashlib.sha256()
    for bloque in archivo.chunks(_BLOQUE):
        digest.update(bloque)
    archivo.seek(0)
    return digest.hexdigest()


def _sha(datos: bytes) -> str:
    return hashlib.sha256(datos).hexdigest()


def _campos(request) -> tuple[str, str]:
    """Multipart / form body: DRF parses it (and keeps the result for the handler)."""
    datos = request.data
    pares = datos.lists() if hasattr(datos, "lists") else ((k, [v]) for k, v in datos.items())
    campos = []
    for nombre, valores in pares:
        canonicos = []
        for v in valores:
            if hasattr(v, "chunks"):
                canonicos.append(["archivo", v.name, v.size, _digest_archivo(v)])
            else:
                canonicos.append(str(v))
        campos.append([nombre, canonicos])
    campos.sort(key=lambda c: c[0])
    return "campos", _sha(orjson.dumps(campos))


def _json_canonico(contenido: bytes) -> str | None:
    try:
        return _sha(orjson.dumps(orjson.loads(contenido), option=orjson.OPT_SORT_KEYS))
    except orjson.JSONDecodeError:
        return None  # the handler answers 400; the raw bytes still identify the request


def _cuerpo_crudo(request) -> tuple[str, str]:
    """Any other body: read it (hashing as it streams) and leave the request as if unread,
    spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE, so the handler reads it as usual —
    including the STIX import's raw bundles, larger than Django's request.body allows.
    JSON up to DATA_UPLOAD_MAX_MEMORY_SIZE is compared in canonical form."""
    original = request._request
    es_json = _es_json(_media(request))
    if hasattr(original, "_body"):  # already read through request.body
        contenido = original._body
        canonico = _json_canonico(contenido) if es_json else None
        return ("json", canonico) if canonico else ("crudo", _sha(contenido))
    if original._read_started:
        raise RuntimeError("El cuerpo de la solicitud ya se leyó antes de la huella.")
    digest = hashlib.sha256()
    copia = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    tamano = 0
    while bloque := original.read(_BLOQUE):
        digest.update(bloque)
        copia.write(bloque)
        tamano += len(bloque)
    copia.seek(0)
    # What HttpRequest.body does after reading: a fresh stream over the same bytes.
    original._stream = copia
    original._read_started = False
    if es_json and tamano <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        canonico = _json_canonico(copia.read())
        copia.seek(0)
        if canonico:
            return "json", canonico
    return "crudo", digest.hexdigest()


def huella_de(request) -> str:
    """sha256 (hex) of what makes the request this request."""
    if _media(request) in _FORMULARIOS:
        forma, cuerpo = _campos(request)
    else:
        forma, cuerpo = _cuerpo_crudo(request)
    credencial = getattr(request.auth, "pk", None)
    consulta = sorted((k, v) for k, vs in request.query_params.lists() for v in vs)
    sobre = orjson.dumps({
        "metodo": request.method, "ruta": request.path, "consulta": consulta,
        "credencial": f"token:{credencial}" if credencial is not None else "sesion",
        "forma": forma, "cuerpo": cuerpo,
    })
    return hashlib.sha256(sobre).hexdigest()
