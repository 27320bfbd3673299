"""Login: password for entity users, password + TOTP for CGII staff, axes lockout."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cgii.auditoria.models import RegistroAuditoria
from tests.entidades.conftest import codigo_de
from tests.factories import CLAVE, crear_usuario

pytestmark = pytest.mark.django_db
URL = "/cuenta/ingresar/"


def ingresar(cliente, username, password=CLAVE, codigo="", **extra):
    return cliente.post(URL, {"username": username, "password": password, "codigo": codigo,
                              **extra})


def usuario_de(cliente):
    return get_user(cliente)


def test_pagina_de_ingreso_en_castellano(cliente):
    r = cliente.get(URL)
    assert r.status_code == 200
    texto = r.content.decode()
    assert "Ingresar" in texto and "Código de verificación" in texto and "Contraseña" in texto


def test_usuario_de_entidad_ingresa_solo_con_contrasena(cliente, reportante_a):
    r = ingresar(cliente, "reportante_a")
    assert r.status_code == 302 and r["Location"] == "/"
    assert usuario_de(cliente) == reportante_a


def test_contrasena_incorrecta_se_rechaza(cliente, reportante_a):
    r = ingresar(cliente, "reportante_a", password="otra-clave")
    assert r.status_code == 200
    assert "incorrectos" in r.content.decode()
    assert not usuario_de(cliente).is_authenticated
    assert AccessAttempt.objects.get(username="reportante_a").failures_since_start == 1


def test_next_se_respeta_solo_si_es_local(cliente, reportante_a, rsi_a):
    r = ingresar(cliente, "reportante_a", next="/api/docs/")
    assert r["Location"] == "/api/docs/"
    r = ingresar(Client(), "rsi_a", next="https://malicioso.example/")
    assert r["Location"] == "/"


def test_personal_no_ingresa_solo_con_contrasena(cliente, analista, dispositivo_analista):
    r = ingresar(cliente, "analista")
    assert r.status_code == 200
    assert "incorrectos" in r.content.decode()
    assert not usuario_de(cliente).is_authenticated
    # Counted as a failed login.
    assert AccessAttempt.objects.get(username="analista").failures_since_start == 1


def test_personal_con_codigo_incorrecto_se_rechaza(cliente, analista, dispositivo_analista):
    malo = codigo_de(dispositivo_analista, desfase=5)
    r = ingresar(cliente, "analista", codigo=malo)
    assert r.status_code == 200
    assert not usuario_de(cliente).is_authenticated
    assert AccessAttempt.objects.get(username="analista").failures_since_start == 1


def test_personal_con_codigo_correcto_ingresa_verificado(cliente, analista, dispositivo_analista):
    r = ingresar(cliente, "analista", codigo=codigo_de(dispositivo_analista))
    assert r.status_code == 302 and r["Location"] == "/"
    assert usuario_de(cliente) == analista
    assert cliente.session[DEVICE_ID_SESSION_KEY] == dispositivo_analista.persistent_id
    # Through the middleware: the next request is served and the user is verified.
    r = cliente.get("/")
    assert r.status_code == 200
    assert r.wsgi_request.user.is_verified()
    # Success resets axes' counter.
    assert not AccessAttempt.objects.filter(username="analista").exists()


def test_el_mismo_codigo_no_sirve_dos_veces(cliente, analista, dispositivo_analista):
    codigo = codigo_de(dispositivo_analista)
    assert ingresar(cliente, "analista", codigo=codigo).status_code == 302
    otro = Client()
    r = ingresar(otro, "analista", codigo=codigo)
    assert r.status_code == 200
    assert not usuario_de(otro).is_authenticated


def test_codigo_con_espacios_se_acepta(cliente, analista, dispositivo_analista):
    codigo = codigo_de(dispositivo_analista)
    r = ingresar(cliente, "analista", codigo=f"{codigo[:3]} {codigo[3:]}")
    assert r.status_code == 302


def test_bloqueo_tras_cinco_fallos_aun_con_la_contrasena_correcta(cliente, reportante_a):
    for _ in range(4):
        assert ingresar(cliente, "reportante_a", password="mala").status_code == 200
    r = ingresar(cliente, "reportante_a", password="mala")
    assert r.status_code == 429
    r = ingresar(cliente, "reportante_a")
    assert r.status_code == 429
    texto = r.content.decode()
    assert "bloqueado" in texto and "5 intentos fallidos" in texto and "1 hora" in texto
    assert not usuario_de(cliente).is_authenticated


def test_codigos_incorrectos_tambien_bloquean(cliente, analista, dispositivo_analista):
    for _ in range(5):
        ingresar(cliente, "analista", codigo="000000")
    r = ingresar(cliente, "analista", codigo=codigo_de(dispositivo_analista))
    assert r.status_code == 429
    assert not usuario_de(cliente).is_authenticated


def test_usuario_autenticado_es_redirigido(cliente, reportante_a):
    cliente.force_login(reportante_a)
    assert cliente.get(URL)["Location"] == "/"


def test_salir_solo_por_post(cliente, reportante_a):
    cliente.force_login(reportante_a)
    assert cliente.get("/cuenta/salir/").status_code == 405
    r = cliente.post("/cuenta/salir/")
    assert r.status_code == 302 and r["Location"] == URL
    assert not usuario_de(cliente).is_authenticated


# --- First TOTP enrolment -------------------------------------------------------------------

ENROLAR = "/cuenta/segundo-factor/"


def test_enrolamiento_de_personal_sin_dispositivo(cliente, coordinador):
    r = ingresar(cliente, "coordinador", next="/api/docs/")
    assert r.status_code == 302 and r["Location"] == ENROLAR
    assert not usuario_de(cliente).is_authenticated

    r = cliente.get(ENROLAR)
    assert r.status_code == 200
    texto = r.content.decode()
    dispositivo = TOTPDevice.objects.get(user=coordinador)
    assert not dispositivo.confirmed
    assert "<svg" in texto and r.context["secreto"] in texto
    # Reloading the page keeps the same secret (the app was already scanned).
    assert cliente.get(ENROLAR).context["secreto"] == r.context["secreto"]
    assert TOTPDevice.objects.filter(user=coordinador).count() == 1

    r = cliente.post(ENROLAR, {"codigo": "000000"})
    assert r.status_code == 200
    assert "no es válido" in r.content.decode()
    assert not usuario_de(cliente).is_authenticated
    dispositivo.refresh_from_db()
    assert not dispositivo.confirmed
    assert AccessAttempt.objects.get(username="coordinador").failures_since_start == 1

    TOTPDevice.objects.filter(pk=dispositivo.pk).update(throttling_failure_count=0)
    r = cliente.post(ENROLAR, {"codigo": codigo_de(dispositivo)})
    assert r.status_code == 302 and r["Location"] == "/api/docs/"
    dispositivo.refresh_from_db()
    assert dispositivo.confirmed
    assert usuario_de(cliente) == coordinador
    assert cliente.get("/").wsgi_request.user.is_verified()
    assert RegistroAuditoria.objects.filter(accion="totp.confirmar").count() == 1


def test_enrolamiento_sin_paso_previo_vuelve_al_ingreso(cliente, db):
    r = cliente.get(ENROLAR)
    assert r.status_code == 302 and r["Location"] == URL


def test_enrolamiento_con_contrasena_incorrecta_no_empieza(cliente, coordinador):
    ingresar(cliente, "coordinador", password="mala")
    assert cliente.get(ENROLAR)["Location"] == URL
    assert not TOTPDevice.objects.filter(user=coordinador).exists()


def test_enrolamiento_caduca_si_cambia_la_contrasena(cliente, coordinador):
    ingresar(cliente, "coordinador")
    coordinador.set_password("otra-clave-larga-123")
    coordinador.save()
    assert cliente.get(ENROLAR)["Location"] == URL


def test_enrolamiento_bloqueado_tras_cinco_codigos_malos(cliente, coordinador):
    ingresar(cliente, "coordinador")
    for _ in range(5):
        r = cliente.post(ENROLAR, {"codigo": "000000"})
    assert r.status_code == 429
    assert cliente.get(ENROLAR).status_code == 429


def test_personal_con_dispositivo_no_puede_reenrolarse(cliente, analista, dispositivo_analista):
    r = ingresar(cliente, "analista")
    assert r.status_code == 200
    assert cliente.get(ENROLAR)["Location"] == URL
    assert TOTPDevice.objects.filter(user=analista).count() == 1


def test_is_staff_sin_grupo_tambien_requiere_totp(cliente, entidad_a):
    crear_usuario(username="soporte", is_staff=True)
    r = ingresar(cliente, "soporte")
    assert r["Location"] == ENROLAR
    assert not usuario_de(cliente).is_authenticated
