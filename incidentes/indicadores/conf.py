"""Settings of the indicators app, with their defaults (override in cgii/settings.py or the
environment; read at call time so tests can use ``settings`` overrides)."""

import os

from django.conf import settings

DEFECTOS = {
    # Correlation: most recent sightings shown per indicator (detail), and in incident lists.
    "INDICADORES_CORRELACION_MAX": int(os.environ.get("CGII_CORRELACION_MAX", "50")),
    "INDICADORES_CORRELACION_EN_LISTA": 5,
    # Bulk paste and IOC lookup limits.
    "INDICADORES_PEGADO_MAX_LINEAS": 5000,
    "INDICADORES_BUSQUEDA_MAX_VALORES": 10000,
    # STIX import: largest bundle accepted (413 beyond) and size from which it runs as a task.
    "INDICADORES_STIX_MAX_BYTES": int(os.environ.get("CGII_STIX_MAX_BYTES",
                                                     str(128 * 1024 * 1024))),
    "INDICADORES_STIX_ASINCRONO_DESDE": int(os.environ.get("CGII_STIX_ASINCRONO_DESDE",
                                                           "5000")),
    "INDICADORES_STIX_LOTE": 5000,
    # Above this size a bundle is not parsed whole in the request (PostgreSQL): the task
    # streams it (services/flujo.py).
    "INDICADORES_STIX_FLUJO_DESDE_BYTES": 4 * 1024 * 1024,
    "INDICADORES_STIX_ERRORES_MAX": 10000,
    # Least time between two progress events of one import.
    "INDICADORES_STIX_PROGRESO_SEGUNDOS": 0.5,
    # Export: add the OASIS incident-core extension to the Incident SDO.
    "INDICADORES_STIX_INCIDENT_CORE": os.environ.get("CGII_STIX_INCIDENT_CORE", "") in (
        "1", "true"),
    # National feed: largest page.
    "INDICADORES_FEED_LIMITE": 10000,
    "INDICADORES_FEED_LIMITE_MAX": 50000,
}


def valor(nombre: str):
    return getattr(settings, nombre, DEFECTOS[nombre])
