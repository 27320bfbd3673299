import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from cgii import registros
from cgii.demo import crear_base


class Command(BaseCommand):
    help = "Crea (idempotente) datos de demostración. No disponible en producción."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true",
                            help="Imprime los usuarios creados como JSON (para scripts).")

    def handle(self, *args, **options):
        if settings.PRODUCCION:
            raise CommandError("cargar_demo no está disponible en el perfil de producción.")
        # The demo's story notifies its people; in the embedded profile those e-mails would
        # be printed (console backend) before the logins. They go to memory instead.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            contexto, filas = crear_base()
            lineas = []
            for cargador in registros.demos():
                lineas.extend(cargador.funcion(contexto) or [])
        if options["json"]:
            self.stdout.write(json.dumps(filas, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self.style.SUCCESS("Datos de demostración listos."))
        for linea in lineas:
            self.stdout.write(f"  - {linea}")
        clave = filas[0]["password"]
        self.stdout.write(f"\nUsuarios de demostración (contraseña común: {clave}):")
        for f in filas:
            detalle = f["entidad"] or "CGII"
            extra = f"  TOTP: {f['totp_secreto']}" if f["totp_secreto"] else ""
            self.stdout.write(f"  {f['username']:<18} {f['rol']:<14} {detalle:<6}{extra}")
        self.stdout.write(
            "\nEl personal CGII necesita un código TOTP: agregue el secreto a una app "
            "autenticadora o ejecute `python manage.py codigo_totp USUARIO`."
        )
