"""Ciudadanía Digital's periodic job (cgii.periodicas): queued notices sent, deliveries read."""

from cgii.periodicas import Periodica

PERIODICAS = [
    Periodica("ciudadania.notificaciones", 120, "cgii.ciudadania.avisos.notificaciones_pendientes"),
]
