"""Old generated report files are purged periodically, declared once (``cgii.periodicas``)."""

from cgii.periodicas import Periodica

PURGA_CADA_SEGUNDOS = 6 * 3600

PERIODICAS = [
    Periodica("reportes.purgar", PURGA_CADA_SEGUNDOS, "cgii.reportes.services.reportes_purgar"),
]
