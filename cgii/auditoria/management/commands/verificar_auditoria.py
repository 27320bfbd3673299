from django.core.management.base import BaseCommand, CommandError

from cgii.auditoria.verificacion import cadena_verificar


class Command(BaseCommand):
    help = "Recalcula la cadena de hashes de auditoría; sale con 1 en el primer enlace roto."
    # Integrity must be checkable even when an unrelated system check fails (cron, incident).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--desde", type=int, default=None, metavar="N",
                            help="Verificar desde la secuencia N (confía en el hash de N-1). "
                                 "Por defecto: desde el primer registro guardado, o desde el "
                                 "ancla de la última partición eliminada por retención.")
        parser.add_argument("--lote", type=int, default=2000, help="Filas por lectura.")

    def handle(self, *args, desde: int, lote: int, **options):
        if (desde is not None and desde < 1) or lote < 1:
            raise CommandError("--desde y --lote deben ser >= 1.")
        resultado = cadena_verificar(desde=desde, lote=lote)
        if resultado.ruptura is not None:
            r = resultado.ruptura
            # CommandError goes to stderr and exits with status 1.
            raise CommandError(
                f"Cadena de auditoría rota en la secuencia {r.secuencia}: {r.tipo}: {r.detalle}. "
                f"Registros válidos antes de la ruptura: {resultado.registros}."
            )
        self.stdout.write(f"Cadena de auditoría íntegra: {resultado.registros} registros")
        if resultado.ultimo_hash is not None:
            # Keep this head outside the database: it is what reveals deleted newest rows.
            self.stdout.write(
                f"Última secuencia: {resultado.ultima_secuencia} hash: {resultado.ultimo_hash}"
            )
