"""Spanish names for the third-party models the admin shows (issue 17: the admin mixed
"Access attempts" and "TOTP devices" into Spanish pages). django-axes ships no Spanish
catalogue and django-otp names its TOTP model with a plain string, so their names are set
here, once, when the apps are ready; their code and tables are untouched."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APLICACIONES = {
    "axes": _("Bloqueo de accesos"),
    "otp_totp": _("Segundo factor (TOTP)"),
    "otp_static": _("Segundo factor (códigos de respaldo)"),
}
# model label → (singular, plural, {field: name})
MODELOS = {
    "axes.AccessAttempt": (_("intento de acceso"), _("intentos de acceso"), {}),
    "axes.AccessFailureLog": (_("acceso fallido"), _("accesos fallidos"), {}),
    "axes.AccessLog": (_("registro de acceso"), _("registros de acceso"), {}),
    "axes.AccessAttemptExpiration": (_("vencimiento de intento"), _("vencimientos de intentos"),
                                     {}),
    "otp_totp.TOTPDevice": (_("dispositivo TOTP"), _("dispositivos TOTP"), {}),
}
# django-axes' field names, in every model that has them.
CAMPOS_AXES = {
    "user_agent": _("Navegador (User-Agent)"), "ip_address": _("Dirección IP"),
    "username": _("Usuario"), "http_accept": _("Cabecera Accept"), "path_info": _("Ruta"),
    "attempt_time": _("Momento del intento"), "locked_out": _("Bloqueado"),
    "get_data": _("Datos GET"), "post_data": _("Datos POST"),
    "failures_since_start": _("Ingresos fallidos"), "logout_time": _("Salida"),
    "session_hash": _("Huella de la sesión (sha256)"), "expires_at": _("Vence"),
    "access_attempt": _("Intento de acceso"),
}


def nombrar() -> None:
    for etiqueta, nombre in APLICACIONES.items():
        if apps.is_installed(f"django_otp.plugins.{etiqueta}") or etiqueta in apps.app_configs:
            apps.get_app_config(etiqueta).verbose_name = nombre
    for etiqueta, (singular, plural, campos) in MODELOS.items():
        try:
            modelo = apps.get_model(etiqueta)
        except LookupError:
            continue
        modelo._meta.verbose_name, modelo._meta.verbose_name_plural = singular, plural
        nombres = {**(CAMPOS_AXES if etiqueta.startswith("axes.") else {}), **campos}
        for campo in modelo._meta.get_fields():
            if getattr(campo, "name", None) in nombres and hasattr(campo, "verbose_name"):
                campo.verbose_name = nombres[campo.name]
