"""A private Dovecot for the mail intake tests: one per test session (IMAP over TLS on a
free port, LMTP to deliver, its own configuration and mail directory). Each test gets a
mailbox account of its own, so tests never see each other's messages.

Without Dovecot installed the tests that need it are skipped, except with CI=true, where
they fail (.ci/run installs it)."""

import itertools
import os

import pytest

from tests.servicios_privados import ServidorDovecot

_cuentas = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    if not ServidorDovecot.disponible():
        mensaje = "Dovecot no está instalado (apt-get install dovecot-imapd dovecot-lmtpd)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {mensaje}")
        pytest.skip(mensaje)
    servidor = ServidorDovecot()
    servidor.iniciar()
    yield servidor
    servidor.detener()


@pytest.fixture(autouse=True)
def _entorno(settings, tmp_path):
    """Private files in a temporary directory; the outbox dispatched by hand (no worker)."""
    from cgii.celery import app

    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    settings.EMBEBIDO = False
    ansioso = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = ansioso


@pytest.fixture
def buzon(dovecot, settings):
    """A fresh mailbox account, and the settings that point the intake at it."""
    nombre = f"cgii{next(_cuentas)}"
    settings.CORREO_IMAP_HOST = "127.0.0.1"
    settings.CORREO_IMAP_PUERTO = dovecot.puerto_imaps
    settings.CORREO_IMAP_USUARIO = nombre
    settings.CORREO_IMAP_CLAVE = dovecot.CLAVE
    settings.CORREO_IMAP_CA = str(dovecot.certificado)
    settings.CORREO_DIRECCION = f"{nombre}@cgii.test"
    settings.CORREO_ACTIVO = True
    return dovecot, nombre
