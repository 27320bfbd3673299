"""The replica's settings and the router's fixed answers (no second server needed).

The routing itself, against a real streaming standby, is tests/plataforma/test_replica.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from cgii.bd import replica
from cgii.bd.replica import EnrutadorReplica, conexion_lectura, leer_de_replica
from cgii.entidades.models import Entidad

RAIZ = Path(__file__).resolve().parents[2]

LEER_SETTINGS = """
import json
import cgii.settings as s
print(json.dumps({"bases": s.DATABASES, "routers": getattr(s, "DATABASE_ROUTERS", []),
                  "middleware": s.MIDDLEWARE}, default=str))
"""


def _settings_con(**variables) -> dict:
    entorno = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    entorno.update(variables)
    r = subprocess.run([sys.executable, "-c", LEER_SETTINGS], cwd=RAIZ, env=entorno,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_replica_gets_the_primarys_engine_pool_and_timeouts():
    s = _settings_con(DATABASE_URL="postgres://cgii@primaria:5432/cgii",
                      DATABASE_REPLICA_URL="postgres://lector@replica:5433/cgii",
                      CGII_DB_POOL_MAX="7", CGII_DB_CONNECT_TIMEOUT="4")
    primaria, copia = s["bases"]["default"], s["bases"]["replica"]
    assert (copia["HOST"], copia["PORT"], copia["USER"]) == ("replica", 5433, "lector")
    for clave in ("ENGINE", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "NAME"):
        assert copia[clave] == primaria[clave], clave
    assert copia["ENGINE"] == "cgii.bd.postgresql"
    assert copia["OPTIONS"] == primaria["OPTIONS"]
    assert copia["OPTIONS"]["pool"]["max_size"] == 7
    assert copia["OPTIONS"]["connect_timeout"] == 4
    # Under tests the alias is the test database itself.
    assert copia["TEST"] == {"MIRROR": "default"}
    assert s["routers"] == ["cgii.bd.replica.EnrutadorReplica"]
    assert s["middleware"][1] == "cgii.bd.replica.UnidadDeTrabajoMiddleware"


def test_without_replica_url_one_database_no_router_no_middleware():
    for variables in ({"DATABASE_URL": "postgres://cgii@primaria:5432/cgii"},
                      # A replica without a PostgreSQL primary (embedded profile) is ignored.
                      {"DATABASE_REPLICA_URL": "postgres://lector@replica:5433/cgii"}):
        s = _settings_con(**variables)
        assert list(s["bases"]) == ["default"]
        assert s["routers"] == []
        assert "cgii.bd.replica.UnidadDeTrabajoMiddleware" not in s["middleware"]


def test_migrations_never_run_on_the_replica():
    enrutador = EnrutadorReplica()
    assert enrutador.allow_migrate("replica", "incidentes") is False
    assert enrutador.allow_migrate("replica", "auditoria", model_name="registro") is False
    assert enrutador.allow_migrate("default", "incidentes") is None
    # Writes always name the primary.
    assert enrutador.db_for_write(Entidad) == "default"


@pytest.mark.django_db
def test_unset_the_blocks_change_nothing():
    """This test session has no DATABASE_REPLICA_URL: one database, and the call sites'
    blocks and decorators are plain pass-throughs (a write inside one works)."""
    if "replica" in settings.DATABASES:
        pytest.skip("this session was started with DATABASE_REPLICA_URL")
    assert list(settings.DATABASES) == ["default"]
    assert not replica.configurada()
    with leer_de_replica():
        assert conexion_lectura() is connections["default"]
        Entidad.objects.create(nombre="Entidad del bloque", sigla="EDB2", sector="Pruebas")
        assert Entidad.objects.filter(sigla="EDB2").count() == 1
    assert conexion_lectura() is connections["default"]

    @leer_de_replica
    def contar(sigla):
        return Entidad.objects.filter(sigla=sigla).count()

    assert contar("EDB2") == 1
    assert contar.__name__ == "contar"
    assert replica.contadores().get("replica", 0) == 0
