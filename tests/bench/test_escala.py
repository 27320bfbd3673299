"""bench/escala.py's seed (issue 22) at a tiny size on a fresh database: the counts asked for,
documents equal to what the application builds, and a rerun that reuses the seed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

RAIZ = Path(__file__).resolve().parents[2]
SUFIJO = "_prueba_escala"
BASE = f"cgii_bench_escala{SUFIJO}"
N, M = 300, 3000

pytestmark = pytest.mark.skipif(not settings.ES_POSTGRES,
                                reason="the seed uses COPY and SQL: PostgreSQL only")


def _borrar() -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{BASE}" WITH (FORCE)')


def _entorno() -> dict:
    entorno = {clave: valor for clave, valor in os.environ.items()
               if clave not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    entorno["CGII_BENCH_SUFIJO"] = SUFIJO
    return entorno


def _sembrar(tmp_path) -> tuple[str, dict]:
    r = subprocess.run([sys.executable, str(RAIZ / "bench" / "escala.py"), "--solo-sembrar",
                        "--incidentes", str(N), "--indicadores", str(M),
                        "--json", str(tmp_path / "escala.json")],
                       cwd=RAIZ, env=_entorno(), capture_output=True, text=True, timeout=500)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return r.stdout, json.loads((tmp_path / "escala.json").read_text())


def _verificar() -> dict:
    entorno = _entorno()
    entorno["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BASE}"
    entorno["DJANGO_SETTINGS_MODULE"] = "cgii.settings"
    r = subprocess.run([sys.executable, str(Path(__file__).with_name("escala_verificar.py"))],
                       cwd=RAIZ, env=entorno, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    linea = next(x for x in r.stdout.splitlines() if x.startswith("VERIFICAR "))
    return json.loads(linea.removeprefix("VERIFICAR "))


@pytest.mark.timeout(1200)
def test_la_semilla_de_escala_cuenta_bien_y_se_reutiliza(tmp_path):
    _borrar()
    try:
        salida, figuras = _sembrar(tmp_path)
        assert "Seeding incidents, phase 1" in salida and "Seeding search documents" in salida
        assert figuras["siembra_s"] > 0 and figuras["bytes"] > 0
        v = _verificar()
        assert v["incidentes"] == N and v["indicadores"] == M
        assert v["documentos"] == N + M
        assert 0.2 * M < v["avistamientos"] < 0.5 * M and v["avistamientos_sin_tlp"] == 0
        assert v["abiertos"] > 0 and v["relojes"] == 3 * v["abiertos"]
        assert v["entidades_con_incidentes"] > 30  # more than the 30 BENCH entities
        assert v["valores_mal"] == []
        assert v["diferencias"] == []

        # A rerun reuses the seed: nothing seeded again, the same rows.
        salida, figuras = _sembrar(tmp_path)
        assert "Seeding" not in salida.replace("Seed version", "")
        assert figuras["siembra_s"] is None and figuras["siembra_total_s"] > 0
        assert _verificar()["ultimo_incidente"] == v["ultimo_incidente"]
    finally:
        _borrar()
