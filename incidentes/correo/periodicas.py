"""The intake mailbox is read every CGII_CORREO_INTERVALO seconds (default 30), declared
once (``cgii.periodicas``): Celery beat on the full stack, the embedded ticker otherwise.
The job does nothing while the mailbox is not configured or CGII_CORREO_ACTIVO=0."""

import os

from cgii.periodicas import Periodica

INTERVALO_SEGUNDOS = max(float(os.environ.get("CGII_CORREO_INTERVALO", "30")), 1.0)

PERIODICAS = [
    Periodica("correo.buzon", INTERVALO_SEGUNDOS, "incidentes.correo.buzon.leer_buzon",
              expira=INTERVALO_SEGUNDOS * 2),
]
