"""The PISI deadline sweep, declared once (``cgii.periodicas``): Celery beat on the full
stack, the embedded ticker otherwise. Idempotent."""

from cgii.periodicas import Periodica

PLAZOS_CADA_SEGUNDOS = 3600

PERIODICAS = [
    Periodica("pisi.plazos", PLAZOS_CADA_SEGUNDOS,
              "planes_seguridad.services.barrido.plazos_barrido"),
]
