"""Aprobación de Documentos: a person consents to a PDF's content through Ciudadanía Digital,
recorded in the Registro de Orden Cronológico e Integridad de datos (docs/ciudadania_digital.md).

The small interface domain apps use: ``solicitar`` (send the document for approval by the
person with that identity document) and ``consultar`` (the request's state and, once
approved, the evidence: who, when, the SHA-256 the service registered, its identifier code).
The HTTP shapes below are ASSUMED (JSON over HTTPS with a bearer token, to be confirmed at
adhesion); the local simulator (``simulador_servicios``) answers the same shapes.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cgii.errores import ErrorDominio

log = logging.getLogger(__name__)
TIEMPO_ESPERA = 15


class ServicioNoDisponible(ErrorDominio):
    """Transient: the service did not answer or answered 5xx. Callers retry."""

    status = 503
    mensaje_por_defecto = _("El servicio de Aprobación de Documentos de Ciudadanía Digital no "
                            "responde en este momento. La plataforma reintentará el envío.")


class RespuestaInvalida(ErrorDominio):
    """Permanent: the service refused the request (4xx) or answered something unreadable."""

    status = 502
    mensaje_por_defecto = _("El servicio de Aprobación de Documentos rechazó la solicitud.")


@dataclass(frozen=True)
class Solicitud:
    id: str
    url: str  # where the person approves (Ciudadanía Digital portal / app)


@dataclass(frozen=True)
class Resultado:
    estado: str  # "pendiente" | "aprobado" | "rechazado"
    codigo: str = ""
    aprobado_por: str = ""
    documento_identidad: str = ""
    aprobado_en: datetime | None = None
    sha256: str = ""
    motivo: str = ""


def sha256(contenido: bytes) -> str:
    return hashlib.sha256(contenido).hexdigest()


def configurada() -> bool:
    return bool(settings.CIUDADANIA_APROBACION_URL)


def _llamar(metodo: str, ruta: str, **kwargs) -> dict:
    return llamar(settings.CIUDADANIA_APROBACION_URL, settings.CIUDADANIA_APROBACION_TOKEN,
                  metodo, ruta, **kwargs)


def llamar(base: str, token: str, metodo: str, ruta: str, **kwargs) -> dict:
    """One JSON call to a Ciudadanía Digital service: 5xx or no answer → transient
    (``ServicioNoDisponible``), 4xx or unreadable → ``RespuestaInvalida``."""
    url = f"{base.rstrip('/')}/{ruta.lstrip('/')}"
    cabeceras = {"Authorization": f"Bearer {token}"}
    try:
        r = requests.request(metodo, url, headers=cabeceras, timeout=TIEMPO_ESPERA, **kwargs)
    except requests.RequestException as exc:
        log.warning("Aprobación de Documentos no disponible: %s", exc)
        raise ServicioNoDisponible from exc
    if r.status_code >= 500:
        raise ServicioNoDisponible
    try:
        datos = r.json()
    except ValueError as exc:
        raise RespuestaInvalida from exc
    if r.status_code >= 400:
        raise RespuestaInvalida(extra={"servicio": str(datos.get("mensaje", ""))[:300]})
    return datos


def solicitar(*, contenido: bytes, nombre_archivo: str, documento_identidad: str,
              referencia: str, descripcion: str) -> Solicitud:
    """Send ``contenido`` (a PDF) to be approved by the person with ``documento_identidad``.
    ``referencia`` is ours and unique per request: a repeated send with the same reference
    must return the same request (assumed idempotent on the service side)."""
    datos = _llamar("POST", "solicitudes/", json={
        "referencia": referencia,
        "ci_aprobador": documento_identidad,
        "descripcion": descripcion,
        "nombre_archivo": nombre_archivo,
        "tipo": "application/pdf",
        "hash_sha256": sha256(contenido),
        "documento_base64": base64.b64encode(contenido).decode(),
    })
    try:
        return Solicitud(id=str(datos["id"]), url=str(datos.get("url_aprobacion", "")))
    except KeyError as exc:
        raise RespuestaInvalida from exc


def consultar(*, solicitud_id: str) -> Resultado:
    datos = _llamar("GET", f"solicitudes/{solicitud_id}/")
    estado = datos.get("estado")
    if estado not in ("pendiente", "aprobado", "rechazado"):
        raise RespuestaInvalida
    if estado != "aprobado":
        return Resultado(estado=estado, motivo=str(datos.get("motivo", ""))[:500])
    evidencia = datos.get("aprobacion") or {}
    return Resultado(
        estado="aprobado",
        codigo=str(evidencia.get("codigo", ""))[:80],
        aprobado_por=str(evidencia.get("nombre", ""))[:200],
        documento_identidad=str(evidencia.get("ci", ""))[:30],
        aprobado_en=parse_datetime(str(evidencia.get("fecha", ""))),
        sha256=str(evidencia.get("hash_sha256", "")).lower()[:64],
    )
