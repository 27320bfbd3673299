from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class DispositivoCiudadania(Device):
    """The second factor Ciudadanía Digital asserted (``amr``/``acr``), as a django-otp device.

    Logging a staff session in with it (``django_otp.login``) makes ``user.is_verified()``
    true, so the staff middleware, the admin and token creation treat it exactly like a TOTP
    code, with no special case anywhere. It accepts no code (``verify_token`` is always
    False): the only way to use it is a provider-signed ID token that asserts the factor.
    ``sin_codigo`` tells the TOTP enrolment it is not an authenticator app.
    """

    sin_codigo = True

    class Meta:
        verbose_name = _("segundo factor de Ciudadanía Digital")
        verbose_name_plural = _("segundos factores de Ciudadanía Digital")

    def verify_token(self, token):
        return False
