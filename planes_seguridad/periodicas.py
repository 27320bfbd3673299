"""The PISI deadline sweep, declared once (``cgii.periodicas``): Celery beat on the full
stack, the embedded ticker otherwise. Idempotent."""

from cgii.periodicas import Periodica

PLAZOS_CADA_SEGUNDOS = 3600

APROBACIONES_CADA_SEGUNDOS = 300

PERIODICAS = [
    # Results of the requests sent to Ciudadanía Digital's Aprobación de Documentos.
    Periodica("pisi.aprobaciones", APROBACIONES_CADA_SEGUNDOS,
              "planes_seguridad.services.aprobacion.aprobaciones_consultar_pendientes"),
    Periodica("pisi.plazos", PLAZOS_CADA_SEGUNDOS,
              "planes_seguridad.services.barrido.plazos_barrido"),
]
