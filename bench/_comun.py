"""What every bench script shares: environment, Django set-up, bench metadata, figures, output.

Import this module before anything from Django: ``preparar(base)`` sets the environment
defaults (a database of the script's own, ``base``, so the test suite and the other benches
are never disturbed), creates that database if it is missing, calls ``django.setup()``,
migrates and loads the catalogs.

Each bench owns a database (``cgii_bench_<name>``): two benches seed the same tables at
different sizes (incidentes.py 100,000 incidents, reportes.py 50,000 with their SLA clocks),
and the SLA sweep would sweep the clocks another bench left due. In one shared database each
would reseed (minutes) after the other and measure what ran before it. The seeders still
delete in dependency order, so a shared ``DATABASE_URL`` works too (tests/bench).
``CGII_BENCH_SUFIJO`` is appended to the default names (``bench/todos.py --rapido`` sets
``_rapido`` so tiny runs never replace the full-size seeds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlparse

RAIZ = Path(__file__).resolve().parent.parent

SERVIDOR_PG = "postgres://postgres@127.0.0.1:5432"
BASE_POR_DEFECTO = "cgii_bench"
ENTORNO = {
    "REDIS_URL": "redis://127.0.0.1:6379/5",
    "DJANGO_SETTINGS_MODULE": "cgii.settings",
    # DEBUG keeps every SQL statement in memory and adds per-query overhead; a benchmark
    # measures the production code path. Override with DJANGO_DEBUG=1 if needed.
    "DJANGO_DEBUG": "0",
}


def argumentos(descripcion: str, n_defecto: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=descripcion)
    parser.add_argument("--json", metavar="FILE", help="write the figures as one flat JSON object")
    parser.add_argument("--n", type=int, default=n_defecto,
                        help=f"number of seeded objects (default {n_defecto})")
    parser.add_argument("--reset", action="store_true",
                        help="delete the seeded rows and seed again")
    return parser


def url_de_base(base: str) -> str:
    """The default URL of a bench database: the shared server, ``CGII_BENCH_SUFIJO`` added."""
    return f"{SERVIDOR_PG}/{base}{os.environ.get('CGII_BENCH_SUFIJO', '')}"


def entorno(base: str = BASE_POR_DEFECTO) -> dict[str, str]:
    """The environment the scripts (and the server they start) run with; DATABASE_URL set in
    the environment wins over ``base``."""
    os.environ.setdefault("DATABASE_URL", url_de_base(base))
    for clave, valor in ENTORNO.items():
        os.environ.setdefault(clave, valor)
    return {clave: os.environ[clave] for clave in ("DATABASE_URL", *ENTORNO)}


def _asegurar_base(url: str) -> None:
    """CREATE DATABASE when it does not exist yet (so a fresh machine needs no createdb)."""
    partes = urlparse(url)
    if not partes.scheme.startswith("postgres"):
        return
    import psycopg

    nombre = partes.path.lstrip("/")
    mantenimiento = partes._replace(path="/postgres").geturl()
    with psycopg.connect(mantenimiento, autocommit=True) as conexion:
        existe = conexion.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [nombre]).fetchone()
        if not existe:
            conexion.execute(f'CREATE DATABASE "{nombre}"')


def preparar(base: str = BASE_POR_DEFECTO) -> None:
    """Environment (``base``: this script's own database), database, django.setup(),
    migrations and catalogs (all idempotent)."""
    valores = entorno(base)
    if str(RAIZ) not in sys.path:
        sys.path.insert(0, str(RAIZ))
    exigir_base_de_bench(valores["DATABASE_URL"])
    _asegurar_base(valores["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from protocolos.cargador import cargar_todo

    call_command("migrate", verbosity=0)
    cargar_todo()
    congelar_como_el_servidor()


def congelar_como_el_servidor() -> None:
    """What each web worker does once loaded (``cgii.asgi``): import the URLconf and freeze
    the start-up objects out of the garbage collector's way (cgii/memoria.py). In-process
    timings otherwise include full collections a server never makes; call it again after a
    seed, before timing."""
    from django.urls import get_resolver

    from cgii.memoria import congelar_arranque

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    congelar_arranque()


def exigir_base_de_bench(url: str) -> None:
    """The scripts bulk-delete rows: refuse to run on a database not named for benchmarks."""
    nombre = urlparse(url).path.lstrip("/")
    if "bench" not in nombre:
        sys.exit(f"Refusing to run on database «{nombre}»: use a dedicated *bench* database.")


# ---- bench metadata: a tiny table of our own, outside the app's migrations ----------------
# Remembers what was seeded (count, reference instant) so that reruns skip seeding and
# measure the same data.

def _tabla_meta(cursor) -> None:
    cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (clave text PRIMARY KEY, "
                   "valor jsonb NOT NULL)")


def meta_leer(clave: str) -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        _tabla_meta(cursor)
        cursor.execute("SELECT valor FROM bench_meta WHERE clave = %s", [clave])
        fila = cursor.fetchone()
    if fila is None:
        return None
    return fila[0] if isinstance(fila[0], dict) else json.loads(fila[0])


def meta_guardar(clave: str, valor: dict | None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        _tabla_meta(cursor)
        if valor is None:
            cursor.execute("DELETE FROM bench_meta WHERE clave = %s", [clave])
        else:
            cursor.execute("INSERT INTO bench_meta (clave, valor) VALUES (%s, %s) "
                           "ON CONFLICT (clave) DO UPDATE SET valor = EXCLUDED.valor",
                           [clave, json.dumps(valor)])


def analizar(*tablas: str, vacuum: bool = False) -> None:
    """ANALYZE so the planner knows the seeded sizes (autovacuum may not have run yet);
    with ``vacuum`` also drop the dead row versions earlier runs left behind."""
    from django.db import connection

    orden = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        for tabla in tablas:
            cursor.execute(f'{orden} "{tabla}"')


# ---- figures and output ---------------------------------------------------------------

def percentil(valores: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordenados = sorted(valores)
    if len(ordenados) == 1:
        return ordenados[0]
    posicion = (len(ordenados) - 1) * p / 100
    bajo = int(posicion)
    alto = min(bajo + 1, len(ordenados) - 1)
    return ordenados[bajo] + (ordenados[alto] - ordenados[bajo]) * (posicion - bajo)


def resumen_ms(segundos: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in segundos]
    return {"p50": round(percentil(ms, 50), 2), "p95": round(percentil(ms, 95), 2),
            "max": round(max(ms), 2), "media": round(statistics.fmean(ms), 2)}


def tabla(titulo: str, encabezados: list[str], filas: list[list]) -> str:
    """A plain text table: first column left-aligned, the rest right-aligned."""
    textos = [[str(c) for c in fila] for fila in [encabezados, *filas]]
    anchos = [max(len(f[i]) for f in textos) for i in range(len(encabezados))]

    def linea(celdas):
        return "  ".join(c.ljust(anchos[0]) if i == 0 else c.rjust(anchos[i])
                         for i, c in enumerate(celdas))

    separador = "  ".join("-" * a for a in anchos)
    return "\n".join([titulo, separador, linea(textos[0]), separador,
                      *(linea(f) for f in textos[1:]), separador])


def escribir_json(ruta: str | None, figuras: dict) -> None:
    if not ruta:
        return
    planas = {k: v for k, v in figuras.items() if not isinstance(v, (dict, list))}
    Path(ruta).write_text(json.dumps(planas, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    print(f"JSON written to {ruta}")
