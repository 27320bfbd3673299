"""Expired keys are purged periodically, declared once (``cgii.periodicas``)."""

from cgii.periodicas import Periodica

PURGA_CADA_SEGUNDOS = 3600

PERIODICAS = [
    Periodica("idempotencia.purgar", PURGA_CADA_SEGUNDOS,
              "cgii.idempotencia.services.claves_purgar"),
]
