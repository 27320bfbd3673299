"""Base permissions of the CGII staff groups (the groups themselves come from migration 0002).

Runs after every ``migrate`` (post_migrate) because permissions only exist once each app's
post_migrate has created them, which a data migration cannot rely on. Idempotent; it only
adds. Domain apps grant their own models' permissions the same way.
"""

from django.contrib.auth.models import Group, Permission

from .models import RolCGII

# Apps whose every permission the administrator group gets through this module.
_APPS_ADMINISTRADOR = ["entidades", "otp_totp", "axes"]
_LECTURA_PERSONAL = ["view_entidad", "view_membresia"]


def asignar_permisos_grupos(**kwargs) -> None:
    grupos = {r.value: Group.objects.get_or_create(name=r.value)[0] for r in RolCGII}
    grupos[RolCGII.ADMINISTRADOR].permissions.add(
        *Permission.objects.filter(content_type__app_label__in=_APPS_ADMINISTRADOR)
    )
    lectura = Permission.objects.filter(content_type__app_label="entidades",
                                        codename__in=_LECTURA_PERSONAL)
    for rol in (RolCGII.ANALISTA, RolCGII.COORDINADOR, RolCGII.AUDITOR):
        grupos[rol].permissions.add(*lectura)
