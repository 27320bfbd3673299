"""Checking one IntelMQ harmonised event (issue 19).

Accepts what IntelMQ's outputs write: flat keys (``"source.ip"``, the REST API and file
outputs' default), the hierarchical form (``{"source": {"ip": …}}``), ``extra`` as keys,
as an object or as a JSON string (``jsondict_as_string``), and a ``__type`` of ``Event``.
The checks follow IntelMQ's harmonisation (IPAddress, FQDN, ASN, ClassificationType,
DateTime with a time zone); each failure is a Spanish message keyed by the field.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from cgii.entidades.constituencia import ASN_MAXIMO, dominio_normalizado

from .rsit import TIPO_CGII

TOLERANCIA_FUTURO = timedelta(hours=1)
MAX_DATOS = 8192  # bytes of the other fields kept per event (JSON); more is cut
# Stored in columns of their own, or not at all (``raw`` is the feed's original line).
_PROPIOS = {"feed.name", "feed.provider", "classification.type", "classification.identifier",
            "classification.taxonomy", "time.source", "source.ip",
            "source.fqdn", "source.asn", "source.port", "protocol.application",
            "protocol.transport", "raw", "__type"}


@dataclass(slots=True)
class EventoValido:
    proveedor: str
    nombre: str
    clasificacion: str
    identificador: str
    ip: str | None
    fqdn: str | None
    asn: int | None
    puerto: int | None
    protocolo: str
    momento: datetime
    dia: date
    host: str
    datos: str  # JSON text

    @property
    def tipo_cgii(self) -> str:
        return TIPO_CGII[self.clasificacion]


def aplanar(evento: dict, prefijo: str = "") -> dict:
    """{"source": {"ip": x}} → {"source.ip": x}; flat keys pass through unchanged."""
    plano = {}
    for clave, valor in evento.items():
        nombre = f"{prefijo}{clave}"
        if isinstance(valor, dict) and nombre != "__type":
            plano.update(aplanar(valor, f"{nombre}."))
        elif nombre == "extra" and isinstance(valor, str):
            try:
                extra = json.loads(valor)
            except ValueError:
                plano[nombre] = valor
                continue
            plano.update(aplanar(extra, "extra.") if isinstance(extra, dict) else {nombre: extra})
        else:
            plano[nombre] = valor
    return plano


def _texto(plano: dict, clave: str, largo: int, errores: dict, obligatorio=False) -> str:
    valor = plano.get(clave)
    if valor in (None, ""):
        if obligatorio:
            errores[clave] = ["Campo obligatorio."]
        return ""
    if not isinstance(valor, str):
        errores[clave] = ["Debe ser texto."]
        return ""
    if len(valor) > largo:
        errores[clave] = [f"Admite hasta {largo} caracteres."]
        return ""
    return valor.strip()


def _entero(plano: dict, clave: str, minimo: int, maximo: int, errores: dict) -> int | None:
    valor = plano.get(clave)
    if valor in (None, ""):
        return None
    if isinstance(valor, bool) or not isinstance(valor, int | str):
        errores[clave] = [f"Debe ser un entero entre {minimo} y {maximo}."]
        return None
    try:
        numero = int(valor)
    except ValueError:
        numero = None
    if numero is None or not minimo <= numero <= maximo:
        errores[clave] = [f"Debe ser un entero entre {minimo} y {maximo}."]
        return None
    return numero


def _momento(plano: dict, errores: dict, ahora: datetime) -> datetime | None:
    clave = "time.source" if plano.get("time.source") not in (None, "") else "time.observation"
    valor = plano.get(clave)
    if valor in (None, ""):
        errores["time.source"] = ["Falta time.source (o time.observation)."]
        return None
    try:
        momento = datetime.fromisoformat(str(valor))
    except ValueError:
        errores[clave] = [f"«{valor}» no es una fecha ISO 8601."]
        return None
    if momento.tzinfo is None:
        errores[clave] = ["La fecha debe indicar su zona horaria (p. ej. +00:00)."]
        return None
    if momento > ahora + TOLERANCIA_FUTURO:
        errores[clave] = ["La fecha está en el futuro."]
        return None
    return momento


def _fuente_de_host(plano: dict, errores: dict) -> tuple[str | None, str | None, int | None]:
    ip = fqdn = None
    if plano.get("source.ip") not in (None, ""):
        try:
            ip = ipaddress.ip_address(str(plano["source.ip"]).strip()).compressed
        except ValueError:
            errores["source.ip"] = [f"«{plano['source.ip']}» no es una dirección IP válida."]
    if plano.get("source.fqdn") not in (None, ""):
        try:
            fqdn = dominio_normalizado(str(plano["source.fqdn"]))
        except ValueError as exc:
            errores["source.fqdn"] = [str(exc)]
    asn = _entero(plano, "source.asn", 1, ASN_MAXIMO, errores)
    if not errores and ip is None and fqdn is None and asn is None:
        errores["source"] = ["El evento no tiene source.ip, source.fqdn ni source.asn: "
                             "no se puede saber a qué entidad corresponde."]
    return ip, fqdn, asn


def _datos(plano: dict) -> str:
    resto = {k: v for k, v in plano.items() if k not in _PROPIOS}
    texto = json.dumps(resto, ensure_ascii=False, default=str)
    if len(texto) > MAX_DATOS:
        texto = json.dumps({"_recortado": True, "campos": sorted(resto)[:100]})
    return texto


def validar(evento, *, ahora: datetime | None = None,
            zona: ZoneInfo | None = None) -> tuple[EventoValido | None, dict]:
    """(the event ready to store, {}) or (None, {field: [messages]})."""
    if not isinstance(evento, dict):
        return None, {"evento": ["Cada evento debe ser un objeto JSON."]}
    plano = aplanar(evento)
    errores: dict[str, list[str]] = {}
    tipo = plano.get("__type")
    if tipo not in (None, "Event"):
        errores["__type"] = [f"Se esperaba un evento (Event), no «{tipo}»."]
    nombre = _texto(plano, "feed.name", 150, errores, obligatorio=True)
    proveedor = _texto(plano, "feed.provider", 100, errores)
    clasificacion = plano.get("classification.type")
    if clasificacion in (None, ""):
        errores["classification.type"] = ["Campo obligatorio."]
    elif clasificacion not in TIPO_CGII:
        errores["classification.type"] = [
            f"«{clasificacion}» no es un classification.type de la taxonomía RSIT de IntelMQ."]
    identificador = _texto(plano, "classification.identifier", 255, errores)
    puerto = _entero(plano, "source.port", 0, 65535, errores)
    protocolo = (_texto(plano, "protocol.application", 30, errores)
                 or _texto(plano, "protocol.transport", 30, errores))
    momento = _momento(plano, errores, ahora or timezone.now())
    ip, fqdn, asn = _fuente_de_host(plano, errores)
    if errores:
        return None, errores
    dia = momento.astimezone(zona or ZoneInfo(settings.TIME_ZONE)).date()
    return EventoValido(
        proveedor=proveedor, nombre=nombre, clasificacion=clasificacion,
        identificador=identificador, ip=ip, fqdn=fqdn, asn=asn, puerto=puerto,
        protocolo=protocolo, momento=momento, dia=dia,
        host=ip or fqdn or f"AS{asn}", datos=_datos(plano)), {}


def validar_lote(eventos: list) -> tuple[list[EventoValido], list[dict]]:
    """Every event checked; errors as [{"indice": i, "errores": {field: [...]}}]."""
    ahora, zona = timezone.now(), ZoneInfo(settings.TIME_ZONE)
    validos, errores = [], []
    for indice, evento in enumerate(eventos):
        valido, error = validar(evento, ahora=ahora, zona=zona)
        if error:
            errores.append({"indice": indice, "errores": error})
        else:
            validos.append(valido)
    return validos, errores
