"""What yearly partitioning costs the one timeline query that cannot prune (docs/particiones.md).

Builds the same synthetic timeline twice in a bench database of its own: one plain table and
one partitioned by year of ``creado`` (ten years + DEFAULT), both with the (incident, id) index
the detail page reads. ``--n`` incidents × 10 entries spread over 2017-2026 (default 200,000
incidents = 2,000,000 rows). Then, alternating, random incidents' timelines are read from
each (``WHERE incidente_id = %s ORDER BY id``), and also from the partitioned table with
``creado >=`` the incident's creation (run-time pruning). Prints p50/p95 per variant.

Seeding is idempotent (kept when the row count matches; ``--reset`` rebuilds). Standalone:
``.venv/bin/python bench/particiones.py [--n 200000] [--consultas 3000] [--json FILE]``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._comun import (  # noqa: E402
    _asegurar_base,
    argumentos,
    entorno,
    escribir_json,
    exigir_base_de_bench,
    resumen_ms,
    tabla,
)

OBJETIVO_P95_MS = 20.0       # the partitioned timeline read stays well inside the detail budget
ENTRADAS = 10
SEGUNDOS_ENTRE_INCIDENTES_10_ANIOS = 10 * 365 * 86400

PLANA, PARTIDA = "bench_tl_plana", "bench_tl_part"


def _sembrar(conexion, n: int, reset: bool) -> float:
    """Seconds spent seeding (0 when the rows were already there)."""
    inicio = time.perf_counter()
    paso = SEGUNDOS_ENTRE_INCIDENTES_10_ANIOS // n
    existentes = conexion.execute(
        "SELECT count(*) FROM pg_class WHERE relname = ANY(%s)", [[PLANA, PARTIDA]]).fetchone()[0]
    if existentes == 2 and not reset:
        filas = conexion.execute(f"SELECT count(*) FROM {PARTIDA}").fetchone()[0]
        if filas == n * ENTRADAS:
            return 0.0
    print(f"Seeding {n * ENTRADAS:,} timeline rows twice (plain, partitioned)...", flush=True)
    conexion.execute(f"DROP TABLE IF EXISTS {PLANA}, {PARTIDA} CASCADE")
    conexion.execute(f"CREATE TABLE {PLANA} (id bigint PRIMARY KEY, incidente_id bigint NOT NULL, "
                     "creado timestamptz NOT NULL, texto text NOT NULL)")
    conexion.execute(f"CREATE TABLE {PARTIDA} (id bigint, incidente_id bigint NOT NULL, "
                     "creado timestamptz NOT NULL, texto text NOT NULL, PRIMARY KEY (id, creado)) "
                     "PARTITION BY RANGE (creado)")
    for anio in range(2017, 2027):
        conexion.execute(f"CREATE TABLE {PARTIDA}_{anio} PARTITION OF {PARTIDA} FOR VALUES "
                         f"FROM ('{anio}-01-01 00:00+00') TO ('{anio + 1}-01-01 00:00+00')")
    conexion.execute(f"CREATE TABLE {PARTIDA}_def PARTITION OF {PARTIDA} DEFAULT")
    conexion.execute(
        f"INSERT INTO {PLANA} SELECT g, (g - 1) / {ENTRADAS} + 1, timestamptz '2017-01-01 00:00+00' "
        f"+ make_interval(secs => ((g - 1) / {ENTRADAS}) * {paso}) "
        f"+ make_interval(days => (g % {ENTRADAS})::int), 'entrada' "
        f"FROM generate_series(1, {n * ENTRADAS}) g")
    conexion.execute(f"INSERT INTO {PARTIDA} SELECT * FROM {PLANA}")
    conexion.execute(f"CREATE INDEX ON {PLANA} (incidente_id, id)")
    conexion.execute(f"CREATE INDEX ON {PARTIDA} (incidente_id, id)")
    conexion.execute(f"VACUUM ANALYZE {PLANA}")
    conexion.execute(f"VACUUM ANALYZE {PARTIDA}")
    return time.perf_counter() - inicio


def _medir(conexion, n: int, consultas: int) -> dict[str, list[float]]:
    paso = SEGUNDOS_ENTRE_INCIDENTES_10_ANIOS // n
    variantes = {
        "plain table": (f"SELECT * FROM {PLANA} WHERE incidente_id = %s ORDER BY id", False),
        "partitioned": (f"SELECT * FROM {PARTIDA} WHERE incidente_id = %s ORDER BY id", False),
        "partitioned, creado >= incident": (
            f"SELECT * FROM {PARTIDA} WHERE incidente_id = %s AND creado >= "
            f"timestamptz '2017-01-01 00:00+00' + make_interval(secs => %s) ORDER BY id", True),
    }
    tiempos: dict[str, list[float]] = {v: [] for v in variantes}
    azar = random.Random(22)
    for i in range(consultas + 50):
        incidente = azar.randint(1, n)
        for nombre, (sql, con_creado) in variantes.items():
            params = [incidente, (incidente - 1) * paso] if con_creado else [incidente]
            inicio = time.perf_counter()
            filas = conexion.execute(sql, params, prepare=True).fetchall()
            if i >= 50:  # the first 50 warm the caches and the prepared plans
                tiempos[nombre].append(time.perf_counter() - inicio)
            assert len(filas) == ENTRADAS, (nombre, incidente, len(filas))
    return tiempos


def main() -> None:
    parser = argumentos(__doc__.splitlines()[0], 200_000)
    parser.add_argument("--consultas", type=int, default=3000, help="reads per variant")
    args = parser.parse_args()
    url = entorno("cgii_bench_particiones")["DATABASE_URL"]
    exigir_base_de_bench(url)
    _asegurar_base(url)
    import psycopg

    with psycopg.connect(url, autocommit=True) as conexion:
        siembra = _sembrar(conexion, args.n, args.reset)
        tiempos = _medir(conexion, args.n, args.consultas)
    carga = os.getloadavg()[0]
    filas, figuras = [], {"incidentes": args.n, "filas": args.n * ENTRADAS,
                          "carga_1min": round(carga, 2), "siembra_segundos": round(siembra, 1)}
    for nombre, valores in tiempos.items():
        r = resumen_ms(valores)
        filas.append([nombre, r["p50"], r["p95"], r["max"]])
        clave = nombre.replace(", ", "_").replace(" >= ", "_").replace(" ", "_")
        figuras[f"{clave}_p50_ms"], figuras[f"{clave}_p95_ms"] = r["p50"], r["p95"]
    p95 = figuras["partitioned_p95_ms"]
    figuras["target_met"] = p95 <= OBJETIVO_P95_MS
    print(tabla(f"Timeline of one incident, {args.n * ENTRADAS:,} rows, 10 yearly partitions "
                f"(load {carga:.2f})", ["variant", "p50 ms", "p95 ms", "max ms"], filas))
    print(f"partitioned p95 {p95} ms, target <= {OBJETIVO_P95_MS} ms: "
          f"{'MET' if figuras['target_met'] else 'NOT MET'}")
    escribir_json(args.json, figuras)


if __name__ == "__main__":
    main()
