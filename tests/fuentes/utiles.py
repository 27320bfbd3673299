"""Harmonised events as IntelMQ writes them (flat keys), for the intake tests."""

from datetime import datetime, timedelta

from django.utils import timezone

from cgii.entidades import constituencia

AYER = (timezone.now() - timedelta(days=1)).replace(hour=15, minute=0, second=0,
                                                     microsecond=0)


def evento(ip: str | None = "200.87.12.7", *, momento: datetime | None = None, **campos) -> dict:
    datos = {
        "__type": "Event",
        "feed.name": "Accessible-RDP",
        "feed.provider": "Shadowserver",
        "feed.accuracy": 100.0,
        "classification.taxonomy": "vulnerable",
        "classification.type": "potentially-unwanted-accessible",
        "classification.identifier": "accessible-rdp",
        "source.port": 3389,
        "protocol.transport": "tcp",
        "time.source": (momento or AYER).isoformat(),
        "time.observation": timezone.now().isoformat(),
        "extra.naics": 921110,
        "raw": "InRpbWVzdGFtcCIsImlwIg==",
    }
    if ip is not None:
        datos["source.ip"] = ip
    for clave, valor in campos.items():
        clave = clave.replace("__", ".")
        if valor is None:
            datos.pop(clave, None)
        else:
            datos[clave] = valor
    return datos


def registrar(actor, entidad, tipo, valor):
    return constituencia.registro_agregar(actor=actor, entidad_id=entidad.pk, tipo=tipo,
                                          valor=valor)
