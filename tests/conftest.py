import os

import pytest
from django.conf import settings

from tests.factories import crear_entidad, crear_usuario


def pytest_configure(config):
    """In CI the suite claims PostgreSQL and Redis behaviour: a missing service is a failure."""
    # Production hashes passwords with PBKDF2 at 1,000,000 rounds (~0.5 s a user here); the
    # suite creates thousands of users, and no test is about the hash's cost.
    settings.PASSWORD_HASHERS = ["tests.hashers.PBKDF2Rapido"]
    if os.environ.get("CI", "").lower() != "true":
        return
    if not settings.ES_POSTGRES:
        pytest.exit("CI=true but DATABASE_URL is not PostgreSQL", returncode=3)
    if not settings.REDIS_URL:
        pytest.exit("CI=true but REDIS_URL is not set", returncode=3)
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.exit(f"CI=true but Redis is not reachable: {exc}", returncode=3)


@pytest.fixture(autouse=True)
def _caches_de_catalogos_limpias():
    """Per-process caches (catalogs, Django's cache) must not carry rows of a rolled-back
    test."""
    from django.core.cache import cache

    from protocolos import selectors

    selectors.limpiar_cache_calendarios()
    selectors.limpiar_cache_datos()
    cache.clear()
    if settings.REDIS_URL:
        from cgii.eventos import solicitudes

        solicitudes.olvidar_todas()  # no test finds a dispatch request of an earlier one
    yield
    selectors.limpiar_cache_calendarios()
    selectors.limpiar_cache_datos()


@pytest.fixture
def entidad_a(db):
    return crear_entidad(nombre="Ministerio de Pruebas A", sigla="MPA")


@pytest.fixture
def entidad_b(db):
    return crear_entidad(nombre="Gobierno Municipal de Pruebas B", sigla="GMPB",
                         nivel="municipal", tipo="gobierno_autonomo")


@pytest.fixture
def reportante_a(entidad_a):
    return crear_usuario(username="reportante_a", entidad=entidad_a, rol_entidad="reportante")


@pytest.fixture
def rsi_a(entidad_a):
    return crear_usuario(username="rsi_a", entidad=entidad_a, rol_entidad="rsi")


@pytest.fixture
def reportante_b(entidad_b):
    return crear_usuario(username="reportante_b", entidad=entidad_b, rol_entidad="reportante")


@pytest.fixture
def analista(db):
    return crear_usuario(username="analista", rol_cgii="analista")


@pytest.fixture
def coordinador(db):
    return crear_usuario(username="coordinador", rol_cgii="coordinador")


@pytest.fixture
def auditor(db):
    return crear_usuario(username="auditor", rol_cgii="auditor")


@pytest.fixture
def catalogos(db):
    """Taxonomy, protocols, priority matrix and SLA policies from the shipped YAML."""
    from protocolos import cargador, selectors

    cargador.cargar_todo()
    selectors.limpiar_cache_calendarios()
    yield
    selectors.limpiar_cache_calendarios()


@pytest.fixture
def administrador(db):
    return crear_usuario(username="administrador", rol_cgii="administrador", is_staff=True)


@pytest.fixture
def api():
    """``api(usuario)`` → an APIClient logged in as that user (staff with a verified TOTP)."""
    from rest_framework.test import APIClient

    from tests.entidades.sesiones import ingresar

    def cliente(usuario):
        c = APIClient()
        return ingresar(c, usuario)
    return cliente
