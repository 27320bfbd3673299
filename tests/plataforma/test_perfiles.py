"""Settings profiles: production passes `check --deploy` cleanly; defaults are embedded."""

import os
import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]


def _manage(*args, **entorno):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "DJANGO_ENV",
                        "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(entorno)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=RAIZ, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_sin_advertencias_en_produccion(tmp_path):
    r = _manage("check", "--deploy", "--fail-level", "WARNING",
                DJANGO_ENV="production", CGII_VAR_DIR=str(tmp_path),
                DJANGO_SECRET_KEY="x" * 20 + "una-clave-larga-y-aleatoria-de-produccion-0123456789")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_produccion_exige_clave_secreta(tmp_path):
    r = _manage("check", DJANGO_ENV="production", CGII_VAR_DIR=str(tmp_path))
    assert r.returncode != 0
    assert "DJANGO_SECRET_KEY" in r.stderr


def test_cargar_demo_no_existe_en_produccion(tmp_path):
    r = _manage("cargar_demo", DJANGO_ENV="production", CGII_VAR_DIR=str(tmp_path),
                DJANGO_SECRET_KEY="y" * 60)
    assert r.returncode != 0
    assert "producción" in r.stderr


def test_perfil_embebido_por_defecto(tmp_path):
    r = _manage("shell", "--no-imports", "-c",
                "from django.conf import settings as s;"
                "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'],"
                " s.CELERY_TASK_ALWAYS_EAGER, s.BUSQUEDA_BACKEND, s.TIME_ZONE, s.LANGUAGE_CODE, s.USE_TZ)",
                CGII_VAR_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [
        "django.db.backends.sqlite3", "channels.layers.InMemoryChannelLayer", "True",
        "database", "America/La_Paz", "es", "True",
    ]
