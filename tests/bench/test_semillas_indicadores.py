"""The two benches that seed indicators with SQL of their own (bench/busqueda.py,
bench/stix.py) run end to end at a tiny size on a fresh database: a NOT NULL column added to
the indicator links (the per-sighting TLP of issue 16) broke both seeders and no test saw it
until `make bench` ran."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

RAIZ = Path(__file__).resolve().parents[2]
SUFIJO = "_prueba_semillas"
CASOS = {
    "busqueda": ("cgii_bench_busq", ["--n", "200", "--indicadores", "2000", "--requests", "2",
                                     "--reset"]),
    "stix": ("cgii_bench_stix", ["--n", "2000", "--semilla", "20000", "--rebanada", "500",
                                 "--grande", "6000",
                                 "--repeticiones", "1"]),
}

pytestmark = pytest.mark.skipif(not settings.ES_POSTGRES,
                                reason="the benches seed with SQL and COPY: PostgreSQL only")


def _borrar(base: str) -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{base}{SUFIJO}" WITH (FORCE)')


@pytest.mark.timeout(600)
@pytest.mark.parametrize("bench", sorted(CASOS))
def test_la_semilla_de_indicadores_corre_en_una_base_nueva(bench, tmp_path):
    base, argumentos = CASOS[bench]
    _borrar(base)
    entorno = {clave: valor for clave, valor in os.environ.items()
               if clave not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    entorno["CGII_BENCH_SUFIJO"] = SUFIJO
    try:
        r = subprocess.run([sys.executable, str(RAIZ / "bench" / f"{bench}.py"), *argumentos,
                            "--json", str(tmp_path / "figuras.json")],
                           cwd=RAIZ, env=entorno, capture_output=True, text=True, timeout=540)
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
        assert (tmp_path / "figuras.json").exists()
    finally:
        _borrar(base)
