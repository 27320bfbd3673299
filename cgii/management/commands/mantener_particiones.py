from django.core.management.base import BaseCommand, CommandError

from cgii.bd.particiones import es_postgresql, mantener


class Command(BaseCommand):
    help = ("Crea las particiones de los próximos periodos y aplica la retención de las tablas "
            "particionadas (solo PostgreSQL).")

    def add_arguments(self, parser):
        parser.add_argument("--adelante", type=int, default=None, metavar="N",
                            help="Periodos (meses o años) a crear por delante.")

    def handle(self, *args, adelante: int | None, **options):
        if adelante is not None and adelante < 0:
            raise CommandError("--adelante debe ser >= 0.")
        if not es_postgresql():
            self.stdout.write("Base SQLite: las tablas no se particionan; nada que hacer.")
            return
        for m in mantener(adelante=adelante):
            self.stdout.write(f"{m.tabla}: creadas {len(m.creadas)} {m.creadas}, "
                              f"eliminadas {len(m.eliminadas)} {m.eliminadas}")
