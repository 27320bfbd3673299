"""Read the intake mailbox once, now (what the periodic job does), and print its state:
for an administrator checking the set-up (docs/correo.md)."""

import json

from django.core.management.base import BaseCommand

from incidentes.correo import buzon, conf


class Command(BaseCommand):
    help = "Lee el buzón de correo de incidentes una vez y muestra su estado."

    def handle(self, *args, **options):
        if not conf.activo():
            self.stdout.write("El buzón no está configurado (CGII_CORREO_IMAP_HOST) o está "
                              "apagado (CGII_CORREO_ACTIVO=0).")
            return
        hechos = buzon.leer_buzon()
        self.stdout.write(f"Mensajes leídos: {hechos}")
        self.stdout.write(json.dumps(buzon.salud(), ensure_ascii=False, indent=2))
