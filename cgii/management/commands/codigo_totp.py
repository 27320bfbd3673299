from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Imprime el código TOTP actual de un usuario de demostración (solo fuera de producción)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCCION:
            raise CommandError("codigo_totp no está disponible en el perfil de producción.")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} no tiene un dispositivo TOTP confirmado.")
        codigo = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                      drift=device.drift)
        self.stdout.write(f"{codigo:0{device.digits}d}")
