"""Plain factory functions for tests (no extra dependency; explicit is enough here)."""

import itertools

from django.contrib.auth.models import Group

from cgii.entidades.models import Entidad, Membresia, NivelEntidad, TipoEntidad, Usuario

_seq = itertools.count(1)
CLAVE = "clave-de-prueba-123"


def crear_entidad(**campos) -> Entidad:
    n = next(_seq)
    datos = {
        "nombre": f"Entidad de prueba {n}",
        "sigla": f"EP{n}",
        "nivel": NivelEntidad.CENTRAL,
        "tipo": TipoEntidad.MINISTERIO,
        "sector": "Pruebas",
    }
    datos.update(campos)
    return Entidad.objects.create(**datos)


def crear_usuario(*, username: str | None = None, rol_cgii: str | None = None,
                  entidad: Entidad | None = None, rol_entidad: str | None = None,
                  password: str = CLAVE, **campos) -> Usuario:
    username = username or f"usuario{next(_seq)}"
    usuario = Usuario.objects.create_user(
        username=username, password=password, email=f"{username}@ejemplo.gob.bo", **campos
    )
    if rol_cgii:
        grupo, _ = Group.objects.get_or_create(name=rol_cgii)
        usuario.groups.add(grupo)
    if entidad is not None:
        Membresia.objects.create(usuario=usuario, entidad=entidad, rol=rol_entidad or "reportante")
    return usuario
