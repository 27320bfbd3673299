"""The notification digests (hourly, daily), declared once (``cgii.periodicas``)."""

from cgii.periodicas import Periodica

PERIODICAS = [
    # Every 5 minutes: each digest goes out within minutes of its hour (or of 07:00).
    Periodica("eventos.resumenes_correo", 300, "cgii.eventos.notificaciones.enviar_resumenes"),
]
