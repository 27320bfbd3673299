import shutil
from contextlib import contextmanager

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cgii.asgi import application
from cgii.entidades.selectors import es_personal_cgii
from cgii.eventos import embebido, registro, services
from tests.servicios_privados import REDIS_SERVER, ServidorRedis
from tests.servicios_privados import puerto_libre as _puerto_libre  # noqa: F401 - used by tests

ORIGEN = b"http://testserver"


@pytest.fixture(autouse=True)
def _despacho_a_mano(settings):
    """Tests dispatch by hand: an after-commit request is published to the Celery broker
    (no worker runs in tests; ``memory://`` when REDIS_URL is unset), whatever the profile
    the suite runs in. Tests of the embedded path override EMBEBIDO=True themselves."""
    from cgii.celery import app

    settings.EMBEBIDO = False
    ansioso = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = ansioso


@pytest.fixture(autouse=True)
def _estado_limpio(monkeypatch):
    """Module-level state of the outbox must not leak between tests."""
    # Importing cgii.asgi in the embedded profile starts the ticker; tests that want it
    # start it themselves, the others must not race with a background dispatcher.
    embebido.detener_ticker()
    monkeypatch.setattr(services, "_broker_caido_hasta", 0.0)
    antes = dict(registro._manejadores)
    yield
    embebido.detener_ticker()
    registro._manejadores.clear()
    registro._manejadores.update(antes)


def cabeceras_de(usuario, *, segundo_factor: bool = True,
                 origen: bytes = ORIGEN) -> list[tuple[bytes, bytes]]:
    """A real session (as after login) for a websocket handshake; staff also pass TOTP,
    the way django_otp.login() records it in the session."""
    cliente = Client()
    cliente.force_login(usuario, backend="cgii.entidades.backend.BackendUsuarios")
    if segundo_factor and es_personal_cgii(usuario):
        dispositivo = TOTPDevice.objects.create(user=usuario, name="prueba", confirmed=True)
        sesion = cliente.session
        sesion[DEVICE_ID_SESSION_KEY] = dispositivo.persistent_id
        sesion.save()
    galleta = cliente.cookies[settings.SESSION_COOKIE_NAME].value
    return [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={galleta}".encode()),
            (b"origin", origen)]


async def conectar(cabeceras) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, "/ws/eventos/", headers=cabeceras)
    conectado, _ = await ws.connect(timeout=5)
    assert conectado
    return ws


@pytest.fixture
def servidor_redis():
    if not shutil.which(REDIS_SERVER):
        pytest.skip(f"{REDIS_SERVER} is not installed")
    servidor = ServidorRedis()
    yield servidor
    servidor.detener()


@contextmanager
def capa_redis(url: str):
    """Point the default channel layer at ``url`` (Channels drops its cached backends
    when CHANNEL_LAYERS changes, on enter and on exit)."""
    config = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                          "CONFIG": {"hosts": [url], "prefix": "cgii_ev_prueba"}}}
    with override_settings(CHANNEL_LAYERS=config):
        yield


@contextmanager
def capa_en_memoria():
    with override_settings(CHANNEL_LAYERS={
            "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}):
        yield


@contextmanager
def broker_celery(url: str):
    """Publish Celery messages to ``url`` (Celery reads its config once, so swap the
    app's broker and drop its cached connection pools)."""
    from cgii.celery import app

    anterior = app.conf.broker_url

    def _reiniciar_pools() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        # What Celery itself resets after a fork.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = url
    _reiniciar_pools()
    try:
        yield
    finally:
        app.conf.broker_url = anterior
        _reiniciar_pools()


async def codigo_de_cierre(ws: WebsocketCommunicator) -> int | None:
    """Refusals accept and then close with an application code (so browsers see it);
    a handshake denied before accept (origin check) returns its own code."""
    aceptado, codigo = await ws.connect(timeout=5)
    if aceptado:
        salida = await ws.receive_output(timeout=5)
        assert salida["type"] == "websocket.close", salida
        codigo = salida["code"]
    await ws.disconnect(timeout=5)
    return codigo


@pytest.fixture
def enviados(monkeypatch):
    """The Celery publishes of ``solicitar_despacho``, recorded instead of sent (full
    stack, as if a broker were there)."""
    from cgii.eventos import services, tasks

    lista = []
    monkeypatch.setattr(tasks.ejecutar_sumidero, "delay", lambda n: lista.append(n))
    monkeypatch.setattr(tasks.ejecutar_sumideros, "delay",
                        lambda ns: lista.append(("juntos", tuple(ns))))
    monkeypatch.setattr(tasks.despachar_eventos, "delay", lambda: lista.append("vivo"))
    monkeypatch.setattr(services.settings, "EMBEBIDO", False)
    # A failed publish pauses publishing (services.PAUSA_BROKER_SEGUNDOS): restored after.
    monkeypatch.setattr(services, "_broker_caido_hasta", 0.0)
    return lista
