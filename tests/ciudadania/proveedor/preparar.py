"""Run in the provider's environment before it serves: tables, people and clients.

``python -m tests.ciudadania.proveedor.preparar`` with DJANGO_SETTINGS_MODULE pointing at
``tests.ciudadania.proveedor.settings`` and CD_PROVEEDOR_DATOS holding the JSON below."""

import json
import os

import django


def main() -> None:
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from .validador import GRUPO_SEGUNDO_FACTOR

    call_command("migrate", verbosity=0)
    datos = json.loads(os.environ["CD_PROVEEDOR_DATOS"])
    grupo, _ = Group.objects.get_or_create(name=GRUPO_SEGUNDO_FACTOR)
    for p in datos["personas"]:
        u = User.objects.create_user(username=p["documento"], password=p["clave"],
                                     first_name=p.get("nombres", ""))
        if p.get("segundo_factor"):
            u.groups.add(grupo)
    for c in datos["clientes"]:
        Application.objects.create(
            name=c["client_id"], client_id=c["client_id"], client_secret=c["secreto"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
            redirect_uris=" ".join(c["retornos"]),
            post_logout_redirect_uris=" ".join(c["salidas"]))


if __name__ == "__main__":
    main()
