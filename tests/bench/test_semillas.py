"""Issue 24: the benches are rerunnable in any order on a fresh or a used database.

The seeders of the three benches that write the same tables (bench/sla_sweep.py,
bench/incidentes.py, bench/reportes.py) run at a tiny size, each twice in a row, in the order
sla_sweep → incidentes → reportes on a fresh database and then reportes → incidentes →
sla_sweep on the used one — all in ONE database (by default each bench has its own; one
shared DATABASE_URL is the case that used to fail with an IntegrityError on
protocolos_crucesla → protocolos_relojsla). The database is the test's own, created and
dropped here; the seeding runs in a subprocess (tests/bench/semillas_en_orden.py), as the
benches do, since they set Django up on their own database.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

RAIZ = Path(__file__).resolve().parents[2]
ORDENES = ("sla_sweep,incidentes,reportes", "reportes,incidentes,sla_sweep")

pytestmark = pytest.mark.skipif(not settings.ES_POSTGRES,
                                reason="the benches seed with COPY: PostgreSQL only")


def _url(nombre: str) -> str:
    d = settings.DATABASES["default"]
    clave = f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else ""
    return (f"postgres://{quote(d.get('USER') or '')}{clave}@{d.get('HOST') or '127.0.0.1'}:"
            f"{d.get('PORT') or 5432}/{nombre}")


@pytest.fixture
def base_de_bench():
    """A database of the test's own: named after the configured one (so two checkouts
    sharing a server do not collide) and containing "bench" (the seeders refuse others)."""
    nombre = f"{settings.DATABASES['default']['NAME']}_bench_semillas"
    with psycopg.connect(_url("postgres"), autocommit=True) as conexion:
        conexion.execute(f'DROP DATABASE IF EXISTS "{nombre}" WITH (FORCE)')
        conexion.execute(f'CREATE DATABASE "{nombre}"')
    try:
        yield _url(nombre)
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as conexion:
            conexion.execute(f'DROP DATABASE IF EXISTS "{nombre}" WITH (FORCE)')


def test_semillas_en_ambos_ordenes_dos_veces_seguidas(base_de_bench):
    entorno = {**os.environ, "DATABASE_URL": base_de_bench, "DJANGO_DEBUG": "0",
               "DJANGO_SETTINGS_MODULE": "cgii.settings",
               # The reports' dispatch requests go nowhere (no worker runs in the benches
               # either); the events stay in the outbox until the clean-up removes them.
               "CELERY_BROKER_URL": "memory://"}
    r = subprocess.run([sys.executable, str(RAIZ / "tests" / "bench" / "semillas_en_orden.py"),
                        *ORDENES], env=entorno, cwd=RAIZ, capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0, f"{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    pasos = [json.loads(linea[5:]) for linea in r.stdout.splitlines()
             if linea.startswith("PASO ")]
    assert [(p["bench"], p["vuelta"]) for p in pasos] == [
        (b, v) for orden in ORDENES for b in orden.split(",") for v in (1, 2)]

    # Seeded when its data is missing or another bench replaced it; never because of its
    # own previous run (the second of each pair reuses).
    sembro = [(p["orden"][:3], p["bench"], p["vuelta"], p["sembro"]) for p in pasos]
    assert sembro == [
        ("sla", "sla_sweep", 1, True), ("sla", "sla_sweep", 2, False),
        ("sla", "incidentes", 1, True), ("sla", "incidentes", 2, False),
        # incidentes.py seeds no clocks: reportes.py reseeds the incidents with theirs.
        ("sla", "reportes", 1, True), ("sla", "reportes", 2, False),
        ("rep", "reportes", 1, False), ("rep", "reportes", 2, False),
        # reportes.py replaced incidentes.py's incidents: it reseeds (deleting the crossings
        # of reportes.py's clocks first — the old IntegrityError).
        ("rep", "incidentes", 1, True), ("rep", "incidentes", 2, False),
        ("rep", "sla_sweep", 1, False), ("rep", "sla_sweep", 2, False),
    ]
    for p in pasos:
        if p["bench"] == "sla_sweep":
            # The sweep recorded crossings and the bench put its clocks back.
            assert p["relojes_bench"] == 3 * 40 and p["cruces_bench"] == 0
            assert p["barridos"] > 0
        elif p["bench"] == "incidentes":
            # The intake's reports are gone again, with their clocks; the codes continue the
            # seed's.
            assert p["reportados"] == p["borrados"] == 4
            assert p["incidentes"] == 60 and p["ultimo_id_es_el_de_la_semilla"]
            assert p["contadores_restaurados"] and p["relojes_huerfanos"] == 0
        else:
            assert p["incidentes"] == 45 and p["relojes_incidente"] == 3 * 45
            assert p["cruces_incidente"] > 0
            assert p["sembro_pisi"] == (p["orden"].startswith("sla") and p["vuelta"] == 1)
            assert p["planes"] == p["planes_meta"] == 32
