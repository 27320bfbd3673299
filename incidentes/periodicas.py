"""The incident monitor's periodic jobs, declared once (``cgii.periodicas``): Celery beat on
the full stack, the embedded ticker otherwise. Both are idempotent."""

from cgii.periodicas import Periodica

SLA_CADA_SEGUNDOS = 30
AUTOCIERRE_CADA_SEGUNDOS = 3600

PERIODICAS = [
    Periodica("incidentes.sla", SLA_CADA_SEGUNDOS, "incidentes.services.monitor.sla_barrido",
              expira=SLA_CADA_SEGUNDOS * 2),
    Periodica("incidentes.autocierre", AUTOCIERRE_CADA_SEGUNDOS,
              "incidentes.services.monitor.autocerrar_resueltos"),
]
