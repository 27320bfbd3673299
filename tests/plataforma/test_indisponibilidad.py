"""Database or Redis down → 503 with Retry-After (JSON for the API, a Spanish page for
browsers) and websocket handshakes closed with 4503: the mapping, without stopping anything
(tests/plataforma/test_indisponibilidad_servidor.py stops real servers).
"""

import asyncio

import psycopg
import psycopg.errors
import psycopg_pool
import pytest
import redis
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import utils
from django.test import Client
from kombu.exceptions import OperationalError as ErrorBroker

from cgii import indisponibilidad
from cgii.eventos import ws_auth
from tests.plataforma.urls_indisponibilidad import ERRORES

URLS = "tests.plataforma.urls_indisponibilidad"


def _envuelta(exc: Exception) -> utils.Error:
    """As Django raises it: its own class, the driver's exception as __cause__."""
    envuelta = utils.OperationalError(str(exc))
    envuelta.__cause__ = exc
    return envuelta


@pytest.mark.parametrize(("exc", "esperada"), [
    (psycopg.OperationalError("connection failed: Connection refused"), "base_de_datos"),
    (psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"), "base_de_datos"),
    (psycopg.InterfaceError("the connection is closed"), "base_de_datos"),
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
     "base_de_datos"),
    (psycopg.errors.CannotConnectNow("the database system is starting up"), "base_de_datos"),
    (psycopg.errors.TooManyConnections("too many clients already"), "base_de_datos"),
    (_envuelta(psycopg.OperationalError("server closed the connection unexpectedly")),
     "base_de_datos"),
    (utils.InterfaceError("connection already closed"), "base_de_datos"),
    (redis.ConnectionError("Error 111 connecting"), "redis"),
    (redis.TimeoutError("Timeout reading from socket"), "redis"),
    (ErrorBroker("Error 111 connecting to 127.0.0.1:6379"), "redis"),
    # The query's own failures, and everything else, are not an outage.
    (psycopg.errors.DeadlockDetected("deadlock detected"), None),
    (psycopg.errors.SerializationFailure("could not serialize access"), None),
    (psycopg.errors.LockNotAvailable("could not obtain lock"), None),
    (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), None),
    (_envuelta(psycopg.errors.DeadlockDetected("deadlock detected")), None),
    (psycopg.errors.UniqueViolation("duplicate key"), None),
    (ValueError("x"), None),
])
def test_causa(exc, esperada):
    assert indisponibilidad.causa(exc) == esperada


def test_causa_mira_de_donde_vino_el_error():
    try:
        try:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        except psycopg.OperationalError:
            raise RuntimeError("falló al guardar") from None
    except RuntimeError as exc:
        error = exc
    assert error.__cause__ is None and error.__context__ is not None
    assert indisponibilidad.causa(error) == "base_de_datos"


def _cliente() -> Client:
    return Client(raise_request_exception=False)


def _es_503_json(r, servicio: str) -> dict:
    assert r.status_code == 503, r.content[:500]
    assert r["Content-Type"] == "application/json"
    assert r["Retry-After"] == str(indisponibilidad.REINTENTAR_EN)
    cuerpo = r.json()
    assert set(cuerpo) == {"message", "extra"}
    assert cuerpo["extra"] == {"code": "servicio_no_disponible", "servicio": servicio,
                               "reintentar_en": indisponibilidad.REINTENTAR_EN}
    assert "no está disponible temporalmente" in cuerpo["message"]
    return cuerpo


def _es_503_html(r) -> str:
    assert r.status_code == 503, r.content[:500]
    assert r["Content-Type"] == "text/html; charset=utf-8"
    assert r["Retry-After"] == str(indisponibilidad.REINTENTAR_EN)
    html = r.content.decode()
    assert '<html lang="es">' in html
    assert "Servicio no disponible temporalmente" in html
    assert "base de datos" in html
    assert "Traceback" not in html and "Server Error" not in html
    return html


@pytest.mark.parametrize("debug", [False, True], ids=["produccion", "debug"])
@pytest.mark.parametrize("error", ["bd", "pool"])
def test_api_503_json(settings, debug, error):
    """A DRF view (its exception handler) and a plain view under /api/ (handler500, or
    the middleware swapping Django's technical page when DEBUG is on)."""
    settings.ROOT_URLCONF = URLS
    settings.DEBUG = debug
    c = _cliente()
    cuerpo = _es_503_json(c.get(f"/api/v1/drf/?error={error}"), "base_de_datos")
    assert "base de datos" in cuerpo["message"]
    _es_503_json(c.get(f"/api/v1/plana/?error={error}"), "base_de_datos")


@pytest.mark.parametrize("debug", [False, True], ids=["produccion", "debug"])
def test_pagina_503_en_castellano(settings, debug):
    settings.ROOT_URLCONF = URLS
    settings.DEBUG = debug
    _es_503_html(_cliente().get("/pagina/?error=bd"))


@pytest.mark.parametrize("debug", [False, True], ids=["produccion", "debug"])
def test_error_en_un_middleware(settings, debug):
    """Django turns a middleware's exception into a response at that middleware: the
    503 still comes out, for pages and for the API."""
    settings.ROOT_URLCONF = URLS
    settings.DEBUG = debug
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:5],
                           "tests.plataforma.urls_indisponibilidad.MiddlewareQueFalla",
                           *settings.MIDDLEWARE[5:]]
    c = _cliente()
    _es_503_html(c.get("/pagina/?error_mw=bd"))
    _es_503_json(c.get("/api/v1/drf/?error_mw=pool"), "base_de_datos")


def test_redis_caido_en_una_vista(settings):
    settings.ROOT_URLCONF = URLS
    cuerpo = _es_503_json(_cliente().get("/api/v1/drf/?error=broker"), "redis")
    assert "mensajería" in cuerpo["message"]


@pytest.mark.parametrize("error", ["interbloqueo", "valor"])
def test_otros_errores_no_son_503(settings, error):
    settings.ROOT_URLCONF = URLS
    c = _cliente()
    assert c.get(f"/api/v1/drf/?error={error}").status_code == 500
    assert c.get(f"/pagina/?error={error}").status_code == 500


def test_sin_error_nada_cambia(settings):
    settings.ROOT_URLCONF = URLS
    c = _cliente()
    assert c.get("/api/v1/drf/").json() == {"ok": True}
    assert c.get("/pagina/").content == b"bien"


# ---- the real stack: token authentication, the session of a page --------------------------

def test_api_real_con_token_y_bd_caida(db, reportante_a, monkeypatch):
    from cgii.entidades import autenticacion
    from cgii.entidades.services import token_crear

    _, clave = token_crear(usuario=reportante_a, nombre="prueba")
    monkeypatch.setattr(autenticacion, "token_por_hash", lambda _h: ERRORES["pool"]())
    r = _cliente().get("/api/v1/incidentes/", HTTP_AUTHORIZATION=f"Token {clave}")
    _es_503_json(r, "base_de_datos")


def test_pagina_real_con_la_sesion_inalcanzable(db, reportante_a, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    c = _cliente()
    c.force_login(reportante_a)
    monkeypatch.setattr(SessionStore, "load", lambda self: ERRORES["bd"]())
    _es_503_html(c.get("/incidentes/portal/"))


# ---- websocket guard ------------------------------------------------------------------------

async def _codigo(app, path="/ws/prueba/", headers=None) -> int | None:
    ws = WebsocketCommunicator(app, path, headers=headers or [])
    aceptado, codigo = await ws.connect(timeout=10)
    if aceptado:
        salida = await ws.receive_output(timeout=10)
        assert salida["type"] == "websocket.close", salida
        codigo = salida["code"]
    await ws.disconnect(timeout=5)
    return codigo


def _app_que(hace):
    async def app(scope, receive, send):
        await hace(receive, send)
    return app


@pytest.mark.parametrize("error", [
    redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    _envuelta(psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec")),
], ids=["redis", "bd"])
def test_guardia_antes_de_aceptar(error):
    async def hace(receive, send):
        raise error  # e.g. loading the session, before anyone took websocket.connect

    assert async_to_sync(_codigo)(ws_auth._guardia(_app_que(hace))) == 4503


def test_guardia_despues_de_aceptar():
    async def hace(receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        raise redis.TimeoutError("Timeout reading from socket")

    assert async_to_sync(_codigo)(ws_auth._guardia(_app_que(hace))) == 4503


def test_guardia_handshake_sin_respuesta(monkeypatch):
    monkeypatch.setattr(ws_auth, "ESPERA_APERTURA", 0.2)

    async def hace(receive, send):
        await receive()
        await asyncio.sleep(30)  # a session load waiting on a dead database

    assert async_to_sync(_codigo)(ws_auth._guardia(_app_que(hace))) == 4503


def test_guardia_deja_pasar_lo_demas():
    async def normal(receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4401})

    assert async_to_sync(_codigo)(ws_auth._guardia(_app_que(normal))) == 4401

    async def falla(receive, send):
        raise ValueError("un error de programación")

    with pytest.raises(ValueError):
        async_to_sync(_codigo)(ws_auth._guardia(_app_que(falla)))


def _aplicacion():
    """The project's ASGI app. Importing it in the embedded profile starts the outbox
    ticker thread, which must not run behind the tests' back."""
    from cgii.asgi import application
    from cgii.eventos import embebido

    embebido.detener_ticker()
    return application


@pytest.mark.django_db(transaction=True)
def test_handshake_real_con_token_y_bd_caida(monkeypatch):
    from cgii.entidades import autenticacion

    application = _aplicacion()

    monkeypatch.setattr(autenticacion, "autenticar_clave", lambda _c: ERRORES["bd"]())
    codigo = async_to_sync(_codigo)(application, "/ws/eventos/",
                                    [(b"authorization", b"Token cgii_cualquiera")])
    assert codigo == 4503


@pytest.mark.django_db(transaction=True)
def test_handshake_real_con_la_capa_redis_caida(reportante_a):
    from tests.eventos.conftest import cabeceras_de, capa_redis
    from tests.servicios_privados import puerto_libre

    application = _aplicacion()
    cabeceras = cabeceras_de(reportante_a)
    with capa_redis(f"redis://127.0.0.1:{puerto_libre()}/0"):  # nothing listens there
        codigo = async_to_sync(_codigo)(application, "/ws/eventos/", cabeceras)
    assert codigo == 4503


# ---- the pool's check (cgii.bd.postgresql) ---------------------------------------------------

class _PoolDePrueba:
    revisado = False

    def check(self) -> None:
        self.revisado = True


class _ConexionDePrueba:
    autocommit = True

    def __init__(self, viva: bool):
        self.viva, self._pool = viva, _PoolDePrueba()

    def execute(self, consulta: str) -> None:
        if not self.viva:
            raise psycopg.OperationalError("server closed the connection unexpectedly")


def test_una_conexion_muerta_hace_revisar_todo_el_pool():
    from cgii.bd.postgresql.base import comprobar_conexion

    muerta = _ConexionDePrueba(viva=False)
    with pytest.raises(psycopg.OperationalError):
        comprobar_conexion(muerta)
    assert muerta._pool.revisado

    viva = _ConexionDePrueba(viva=True)
    comprobar_conexion(viva)
    assert not viva._pool.revisado


def test_el_pool_usa_esa_comprobacion(settings):
    from django.db import connection

    from cgii.bd.postgresql.base import comprobar_conexion

    if not settings.ES_POSTGRES or connection.pool is None:
        pytest.skip("PostgreSQL with psycopg's pool only")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.pool._check is comprobar_conexion
