"""Notificaciones Electrónicas: notices with legal effect once delivered to the person's
Ciudadanía Digital mailbox (docs/ciudadania_digital.md).

The small interface: ``enviar`` (a notice to the person with that identity document; our
``referencia`` makes a repeated send the same notice) and ``consultar`` (sent or delivered,
and when: a legal deadline counts from delivery). HTTP shapes ASSUMED (JSON, bearer token),
to be confirmed at adhesion; the local simulator answers the same shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from . import aprobacion


class ServicioNoDisponible(aprobacion.ServicioNoDisponible):
    mensaje_por_defecto = _("El servicio de Notificaciones Electrónicas de Ciudadanía Digital "
                            "no responde en este momento. La notificación queda en cola y se "
                            "reintentará.")


RespuestaInvalida = aprobacion.RespuestaInvalida


@dataclass(frozen=True)
class Envio:
    id: str


@dataclass(frozen=True)
class EstadoEnvio:
    estado: str  # "enviada" | "entregada"
    entregada_en: datetime | None = None


def configurada() -> bool:
    return bool(settings.CIUDADANIA_NOTIFICACIONES_URL)


def _llamar(metodo: str, ruta: str, **kwargs) -> dict:
    try:
        return aprobacion.llamar(settings.CIUDADANIA_NOTIFICACIONES_URL,
                                 settings.CIUDADANIA_NOTIFICACIONES_TOKEN, metodo, ruta, **kwargs)
    except aprobacion.ServicioNoDisponible as exc:
        raise ServicioNoDisponible from exc


def enviar(*, documento_identidad: str, asunto: str, cuerpo: str, referencia: str,
           plazo_dias_habiles: int | None = None) -> Envio:
    datos = _llamar("POST", "notificaciones/", json={
        "referencia": referencia, "ci_destinatario": documento_identidad,
        "asunto": asunto, "contenido": cuerpo, "plazo_dias_habiles": plazo_dias_habiles,
    })
    try:
        return Envio(id=str(datos["id"]))
    except KeyError as exc:
        raise RespuestaInvalida from exc


def consultar(*, envio_id: str) -> EstadoEnvio:
    datos = _llamar("GET", f"notificaciones/{envio_id}/")
    estado = datos.get("estado")
    if estado not in ("enviada", "entregada"):
        raise RespuestaInvalida
    entregada = parse_datetime(str(datos.get("entregada_en") or "")) if estado == "entregada" \
        else None
    if estado == "entregada" and entregada is None:
        raise RespuestaInvalida
    return EstadoEnvio(estado=estado, entregada_en=entregada)
