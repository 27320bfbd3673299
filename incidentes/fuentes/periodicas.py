"""The feed consolidation job (cgii.periodicas): Celery beat on the full stack, the embedded
ticker otherwise. Idempotent; overlapping runs skip each other's locked rows."""

from cgii.periodicas import Periodica

CONSOLIDAR_CADA_SEGUNDOS = 60

PERIODICAS = [
    Periodica("fuentes.consolidar", CONSOLIDAR_CADA_SEGUNDOS,
              "incidentes.fuentes.services.consolidacion.consolidar_pendientes",
              expira=CONSOLIDAR_CADA_SEGUNDOS * 2),
]
