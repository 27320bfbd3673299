from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cgii import registros
from cgii.errores import ErrorDominio


class Command(BaseCommand):
    help = "Carga (idempotente) los catálogos versionados: taxonomía, protocolos, SLA, controles."

    def handle(self, *args, **options):
        cambios_totales = 0
        cargadores = registros.catalogos()
        if not cargadores:
            self.stdout.write("No hay catálogos registrados.")
            return
        for cargador in cargadores:
            try:
                with transaction.atomic():
                    cambios = cargador.funcion(stdout=self.stdout)
            except ErrorDominio as exc:
                raise CommandError(f"{cargador.nombre}: {exc.message}") from exc
            if cambios:
                cambios_totales += len(cambios)
                self.stdout.write(self.style.SUCCESS(f"{cargador.nombre}: {len(cambios)} cambio(s)"))
                for linea in cambios:
                    self.stdout.write(f"  - {linea}")
            else:
                self.stdout.write(f"{cargador.nombre}: sin cambios")
        if cambios_totales == 0:
            self.stdout.write(self.style.SUCCESS("Catálogos al día: no se cambió nada."))
