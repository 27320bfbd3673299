"""Search tests run the same behaviour on both backends.

``elasticsearch`` runs against ``ELASTICSEARCH_URL`` when it is set, otherwise against one
``osmem-server`` (PyPI: an in-memory OpenSearch-compatible server) started for the whole
session on a free loopback port and stopped at the end. If it cannot start, the
Elasticsearch cases fail under CI=true and are skipped (with the reason) elsewhere.
Each test gets its own index prefix, deleted afterwards.
"""

import os
import secrets

import pytest

from cgii.busqueda import backends
from cgii.eventos import services as eventos_services


def _en_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def url_elasticsearch():
    """URL of a real cluster for the session (the env's, or a private osmem-server)."""
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if url:
        yield url
        return
    try:
        from osmem_server import OsmemServer

        servidor = OsmemServer.start(japanese=False, addr="127.0.0.1:0", startup_timeout=30)
    except Exception as exc:  # noqa: BLE001 - reported as skip/fail below
        mensaje = f"osmem-server no pudo iniciarse ({type(exc).__name__}: {exc})"
        if _en_ci():
            pytest.fail(f"CI=true: {mensaje}")
        pytest.skip(f"Sin servidor Elasticsearch/OpenSearch: {mensaje}; "
                    "defina ELASTICSEARCH_URL o instale osmem-server")
    try:
        yield servidor.url
    finally:
        servidor.close()


@pytest.fixture(autouse=True)
def _despacho_a_mano(settings, monkeypatch):
    """Tests dispatch the outbox by hand (no Celery worker in tests)."""
    from cgii.celery import app

    settings.EMBEBIDO = False
    monkeypatch.setattr(eventos_services, "_broker_caido_hasta", 0.0)
    ansioso = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = ansioso


@pytest.fixture(autouse=True)
def _archivos_temporales(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"


def _usar_database(settings):
    settings.BUSQUEDA_BACKEND = "database"
    backends.olvidar_backends()
    return backends.obtener_backend()


def _usar_elasticsearch(settings, url):
    settings.BUSQUEDA_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = url
    settings.BUSQUEDA_PREFIJO = f"cgiitest-{secrets.token_hex(4)}"
    settings.BUSQUEDA_REFRESCAR = True
    backends.olvidar_backends()
    return backends.obtener_backend()


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request, settings, db):
    """The backend under test, configured in settings (so the sink and ``buscar`` use it)."""
    if request.param == "database":
        yield _usar_database(settings)
        backends.olvidar_backends()
        return
    url = request.getfixturevalue("url_elasticsearch")
    b = _usar_elasticsearch(settings, url)
    yield b
    try:
        b.borrar_todo()
    finally:
        backends.olvidar_backends()


@pytest.fixture
def elasticsearch(settings, db, url_elasticsearch):
    b = _usar_elasticsearch(settings, url_elasticsearch)
    yield b
    try:
        b.borrar_todo()
    finally:
        backends.olvidar_backends()


@pytest.fixture
def despachar():
    """Deliver every due outbox event now (the sink writes the index)."""
    from cgii.eventos.despachador import despachar_pendientes

    def correr():
        return despachar_pendientes()
    return correr
