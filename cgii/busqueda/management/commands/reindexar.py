"""python manage.py reindexar [--indice incidentes]

Rebuild the search index from the database. On Elasticsearch each index is built anew and
its alias swapped when complete (searches keep answering from the old index meanwhile); on
the database backend the rows are rebuilt in place.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from cgii.busqueda import registro
from cgii.busqueda.backends import obtener_backend


class Barra:
    """One line per document type, redrawn in place: ``incidente [#####-----]  50% 500/1000``."""

    ANCHO = 30

    def __init__(self, salida, interactiva: bool):
        self.salida = salida
        self.interactiva = interactiva
        self.actual = None
        self.ultimo = 0.0
        self.inicio = time.monotonic()

    def __call__(self, tipo: str, hechos: int, total: int) -> None:
        if tipo != self.actual:
            if self.actual is not None:
                self.salida.write("\n")
            self.actual, self.inicio = tipo, time.monotonic()
        ahora = time.monotonic()
        if hechos < total and ahora - self.ultimo < 0.2 and self.interactiva:
            return
        self.ultimo = ahora
        fraccion = 1.0 if total == 0 else hechos / total
        llenos = int(self.ANCHO * fraccion)
        linea = (f"{tipo:<10} [{'#' * llenos}{'-' * (self.ANCHO - llenos)}] "
                 f"{fraccion * 100:5.1f}% {hechos}/{total} ({ahora - self.inicio:.1f} s)")
        self.salida.write(("\r" if self.interactiva else "") + linea
                          + ("" if self.interactiva else "\n"))
        self.salida.flush()

    def terminar(self):
        if self.actual is not None and self.interactiva:
            self.salida.write("\n")


class Command(BaseCommand):
    help = "Reconstruye el índice de búsqueda desde la base de datos (índice nuevo + alias)."

    def add_arguments(self, parser):
        parser.add_argument("--indice", help="Solo este índice (incidentes, indicadores, "
                                              "entidades, pisi).")

    def handle(self, *args, indice=None, **opciones):
        indices = registro.indices()
        if indice is not None and indice not in indices:
            raise CommandError(f"Índice desconocido: {indice}. Opciones: "
                               f"{', '.join(sorted(indices))}")
        backend = obtener_backend()
        self.stdout.write(f"Reindexando con el backend «{backend.nombre}»"
                          + (f" (índice {indice})" if indice else "") + "…")
        barra = Barra(self.stdout, interactiva=sys.stdout.isatty())
        resumen = backend.reindexar(indice=indice, progreso=barra)
        barra.terminar()
        for nombre, datos in resumen.items():
            self.stdout.write(self.style.SUCCESS(f"{nombre}: {datos}"))
