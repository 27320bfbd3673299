"""Demo entities and people (never in production). Domain apps add their demo data through
``cgii.registros.registrar_demo``; this module creates what every one of them needs."""

import base64

from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cgii.entidades.models import Entidad, Membresia, RolCGII, RolEntidad, Usuario

CLAVE_DEMO = "Demo-CGII-2026"

ENTIDADES = [
    {"sigla": "MEFP", "nombre": "Ministerio de Economía y Finanzas Públicas", "nivel": "central",
     "tipo": "ministerio", "sector": "Economía", "critica": True},
    {"sigla": "GAMLP", "nombre": "Gobierno Autónomo Municipal de La Paz", "nivel": "municipal",
     "tipo": "gobierno_autonomo", "sector": "Gobierno local", "critica": False},
    {"sigla": "ENDE", "nombre": "Empresa Nacional de Electricidad", "nivel": "empresa_publica",
     "tipo": "empresa", "sector": "Energía", "critica": True},
]

# (username, first name, last name, entity sigla or None, role)
PERSONAS = [
    ("reportante.mefp", "Rosa", "Quispe", "MEFP", RolEntidad.REPORTANTE),
    ("rsi.mefp", "Marco", "Choque", "MEFP", RolEntidad.RSI),
    ("mae.mefp", "Elena", "Vargas", "MEFP", RolEntidad.MAE),
    ("reportante.gamlp", "Luis", "Mamani", "GAMLP", RolEntidad.REPORTANTE),
    ("rsi.gamlp", "Carla", "Flores", "GAMLP", RolEntidad.RSI),
    ("mae.gamlp", "Jorge", "Rojas", "GAMLP", RolEntidad.MAE),
    ("rsi.ende", "Ana", "Gutiérrez", "ENDE", RolEntidad.RSI),
    ("analista", "Daniel", "Apaza", None, RolCGII.ANALISTA),
    ("analista2", "Sofía", "Limachi", None, RolCGII.ANALISTA),
    ("coordinador", "Ricardo", "Condori", None, RolCGII.COORDINADOR),
    ("auditor", "Patricia", "Ticona", None, RolCGII.AUDITOR),
    ("admin", "Admin", "CGII", None, RolCGII.ADMINISTRADOR),
]


def _secreto_base32(device: TOTPDevice) -> str:
    return base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")


@transaction.atomic
def crear_base() -> tuple[dict, list[dict]]:
    entidades = {}
    for datos in ENTIDADES:
        entidad, _ = Entidad.objects.update_or_create(sigla=datos["sigla"], defaults=datos)
        entidades[entidad.sigla] = entidad

    usuarios, filas = {}, []
    for username, nombre, apellido, sigla, rol in PERSONAS:
        usuario, creado = Usuario.objects.get_or_create(
            username=username,
            defaults={"first_name": nombre, "last_name": apellido,
                      "email": f"{username}@demo.gob.bo"},
        )
        if creado:
            usuario.set_password(CLAVE_DEMO)
        if usuario.documento_identidad is None:
            # For the Ciudadanía Digital simulator (/simulador-cd/): an identity document
            # per demo person, so the login through it can be tried (docs/ciudadania_digital.md).
            usuario.documento_identidad = str(4810001 + len(filas))
        fila = {"username": username, "password": CLAVE_DEMO, "rol": str(rol),
                "entidad": sigla, "totp_secreto": None}
        if sigla:
            Membresia.objects.get_or_create(usuario=usuario, entidad=entidades[sigla], rol=rol)
        else:
            usuario.groups.add(Group.objects.get_or_create(name=rol)[0])
            usuario.is_staff = True
            usuario.is_superuser = rol == RolCGII.ADMINISTRADOR
            device = TOTPDevice.objects.filter(user=usuario, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=usuario, name="demo", confirmed=True)
            fila["totp_secreto"] = _secreto_base32(device)
        usuario.save()
        usuarios[username] = usuario
        filas.append(fila)
    return {"entidades": entidades, "usuarios": usuarios}, filas
