"""docker-compose.yml must describe a stack whose every command points at something real."""

from pathlib import Path

import yaml

RAIZ = Path(__file__).resolve().parents[2]
ROLES_ENTRYPOINT = {"web", "worker", "beat", "migrate"}


def _compose():
    return yaml.safe_load((RAIZ / "docker-compose.yml").read_text())


def test_servicios_completos_con_healthcheck():
    servicios = _compose()["services"]
    assert {"postgres", "redis", "elasticsearch", "web", "worker", "beat"} <= set(servicios)
    for nombre in ("postgres", "redis", "elasticsearch", "web", "worker"):
        assert "healthcheck" in servicios[nombre], nombre


def test_comandos_de_la_app_existen():
    dockerfile = (RAIZ / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["docker/entrypoint.sh"]' in dockerfile
    entrypoint = RAIZ / "docker" / "entrypoint.sh"
    assert entrypoint.exists() and entrypoint.stat().st_mode & 0o111
    texto = entrypoint.read_text()
    servicios = _compose()["services"]
    for nombre in ("web", "worker", "beat"):
        servicio = servicios[nombre]
        assert servicio.get("build") == "."
        (rol,) = servicio["command"]
        assert rol in ROLES_ENTRYPOINT
        assert f"  {rol})" in texto, f"entrypoint has no branch for {rol}"
    # What the branches run must exist in this repository.
    assert "python -m cgii.servidor" in texto and (RAIZ / "cgii" / "servidor.py").exists()
    assert '"cgii.asgi:application"' in (RAIZ / "cgii" / "servidor.py").read_text()
    assert (RAIZ / "cgii" / "asgi.py").exists()
    assert "celery -A cgii" in texto and (RAIZ / "cgii" / "celery.py").exists()
    assert (RAIZ / "cgii" / "management" / "commands" / "cargar_catalogos.py").exists()


def test_la_app_usa_los_tres_servicios():
    entorno = _compose()["services"]["web"]["environment"]
    assert "@postgres:5432/" in entorno["DATABASE_URL"]
    assert entorno["REDIS_URL"].startswith("redis://redis:6379")
    assert "@elasticsearch:9200" in entorno["ELASTICSEARCH_URL"]
    es = _compose()["services"]["elasticsearch"]["environment"]
    assert es["xpack.security.enabled"] == "true"
    assert "ELASTIC_PASSWORD" in es
