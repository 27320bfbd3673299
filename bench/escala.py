"""Issue 22: ten years of a national CSIRT on one PostgreSQL — 1,000,000 incidents and
10,000,000 indicators — and every hot path of the issue's table measured against its target.

    .venv/bin/python bench/escala.py [--incidentes 1000000] [--indicadores 10000000]
                                     [--requests 100] [--solo filas] [--solo-sembrar]
                                     [--json FILE] [--reset]

Own database (``cgii_bench_escala``). Seeds with COPY (bench/_sembrar_escala.py; versioned in
bench_meta, reused by reruns, ``--reset`` reseeds) in two phases: the newest tenth of the
incidents first — the API list is measured there (the "100k" figures, kept in bench_meta) —
then the older history, the indicators with their sightings and the search documents. Then
each row of the issue's table (``--solo`` takes a comma-separated subset of FILAS): API list
(staff and entity user, first page and 2 more through the ``next`` links), HTML list and
console pages, incident detail (API and page), intake with 4 clients against the real server
(bench/incidentes.py's code), text search (staff and entity user; bench/busqueda.py's timing
loop), the 10,000-value IOC lookup and the STIX import ratio (bench/stix.py's code), and the
web workers' RSS after 10,000 mixed GETs against the real server. See bench/README.md.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path
from time import perf_counter

import _comun

_comun.preparar("cgii_bench_escala")  # own database; django.setup() before app imports

import _sembrar_escala as escala  # noqa: E402
from django.utils import timezone  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)

CLAVE_META = "escala"
BENCH = Path(__file__).resolve().parent

# The table: "now" (quoted from the issue) and the targets.
OBJETIVO_LISTA_P95_MS = 20.0
OBJETIVO_LISTA_CONSULTAS = 4
OBJETIVO_PAGINAS_P95_MS = 30.0
OBJETIVO_DETALLE_P95_MS = 20.0
OBJETIVO_DETALLE_CONSULTAS = 6
OBJETIVO_REPORTES_S = 250.0
OBJETIVO_BUSQUEDA_P95_MS = 100.0
OBJETIVO_IOC_S = 1.0
OBJETIVO_STIX_RATIO = 25.0
OBJETIVO_RSS_MIB = 200.0
# "flat from 100k to 1M": the 1M p95 within this factor of the 100k one (plus 2 ms of noise).
OBJETIVO_PLANO = 1.5
ANTES = {
    "lista": "p95 ~49 ms at 100k", "paginas": "slower than API list",
    "detalle": "p95 ~50 ms, 8-10 queries", "intake": "~115-123 reports/s",
    "busqueda": "p95 66 ms at 1.1M docs", "ioc": "250 ms against 1.1M",
    "stix": "~10x stix2.parse", "rss": "–",
}
FILAS = ("lista", "paginas", "detalle", "intake", "busqueda", "ioc", "stix", "rss")


def cargar(nombre: str):
    """Another bench script as a module (bench/incidentes.py must not shadow the incidentes
    app). Its own ``preparar`` finds this script's DATABASE_URL already set."""
    spec = importlib.util.spec_from_file_location(f"bench_{nombre}", BENCH / f"{nombre}.py")
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    return modulo


# ---- seeding --------------------------------------------------------------------------------

def asegurar_semilla(n: int, m: int, reset: bool, medir_fase1=None, hasta: int = 4) -> dict:
    """Seed what is missing; ``medir_fase1(meta)`` runs between the phases (once: its
    figures are kept in the meta). Returns the meta."""
    meta = _comun.meta_leer(CLAVE_META)
    if reset or not meta or meta.get("version") != escala.VERSION or meta.get("n") != n \
            or meta.get("m") != m:
        print(f"Seeding {n:,} incidents and {m:,} indicators (seed version {escala.VERSION})…")
        _comun.meta_guardar(CLAVE_META, None)
        escala.borrar()
        meta = {"version": escala.VERSION, "n": n, "m": m, "fase": 0,
                "sembrado": timezone.now().isoformat(), "segundos": {}}
        _comun.meta_guardar(CLAVE_META, meta)
    else:
        print(f"Seed version {escala.VERSION} found (phase {meta['fase']} of 4, started "
              f"{meta['sembrado']}); --reset to reseed.")
    ahora = timezone.datetime.fromisoformat(meta["sembrado"])
    n1 = max(1, n // 10)
    momentos = escala.instantes(n, ahora)
    pasos = (
        (1, "incidents, phase 1 (newest tenth)",
         lambda: escala.sembrar_incidentes(momentos[n - n1:], ahora=ahora, semilla_=1)),
        (2, "incidents, phase 2 (older history)",
         lambda: escala.sembrar_incidentes(momentos[:n - n1], ahora=ahora, semilla_=2)),
        (3, "indicators and sightings", lambda: escala.sembrar_indicadores(m, ahora=ahora)),
        (4, "search documents", escala.sembrar_documentos),
    )
    sembradas = set()
    for fase, nombre, paso in pasos:
        if meta["fase"] >= fase or fase > hasta:
            continue
        sembradas.add(str(fase))
        if fase == 2 and medir_fase1 is not None and "lista_100k" not in meta:
            meta["lista_100k"] = medir_fase1(meta)
            _comun.meta_guardar(CLAVE_META, meta)
        print(f"Seeding {nombre}…", flush=True)
        inicio = perf_counter()
        cuentas = paso()
        meta["segundos"][str(fase)] = round(perf_counter() - inicio, 1)
        _comun.analizar(*escala.TABLAS, vacuum=True)
        meta["segundos"][f"{fase}_total"] = round(perf_counter() - inicio, 1)
        meta.update(cuentas)
        meta["fase"] = fase
        _comun.meta_guardar(CLAVE_META, meta)
        print(f"  done in {meta['segundos'][f'{fase}_total']} s (VACUUM ANALYZE included)",
              flush=True)
    meta["bytes"] = escala.tamano_base()
    meta["esta_corrida"] = sum(v for k, v in meta["segundos"].items()
                               if k.endswith("_total") and k[0] in sembradas)
    return meta


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=1_000_000)
    parser.add_argument("--incidentes", type=int, default=None,
                        help="incidents (default 1,000,000; --n is the same)")
    parser.add_argument("--indicadores", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=100, help="timed GETs per figure")
    parser.add_argument("--solo", default=",".join(FILAS),
                        help=f"rows to measure, comma-separated, of: {', '.join(FILAS)}")
    parser.add_argument("--solo-sembrar", action="store_true", help="seed and stop")
    parser.add_argument("--fase", type=int, default=4,
                        help="seed up to this step only (1: the newest tenth of the incidents; "
                             "rows then measure that)")
    parser.add_argument("--rss-peticiones", type=int, default=10_000)
    parser.add_argument("--clientes", type=int, default=4)
    parser.add_argument("--por-cliente", type=int, default=250)
    parser.add_argument("--procesos", type=int, default=None)
    parser.add_argument("--puerto", type=int, default=8767)
    args = parser.parse_args()
    n = args.incidentes or args.n
    inicio = perf_counter()
    medidor = None
    if not args.solo_sembrar:
        import _medir_escala as medir

        medidor = medir.Medidor(args, sys.modules[__name__])
    meta = asegurar_semilla(n, args.indicadores, args.reset,
                            medidor.lista_100k if medidor else None,
                            hasta=args.fase)
    siembra = sum(v for k, v in meta["segundos"].items() if k.endswith("_total"))
    print(f"Seed: {n:,} incidents, {meta.get('indicadores', 0):,} indicators, "
          f"{meta.get('avistamientos', 0):,} sightings, "
          f"{meta.get('documentos_incidentes', 0) + meta.get('documentos_indicadores', 0):,} "
          f"search documents; seeding took {siembra / 60:.1f} min in all "
          f"({meta['segundos']}); database {meta['bytes'] / 2**30:.1f} GiB; "
          f"load {os.getloadavg()[0]:.1f}")
    if args.solo_sembrar:
        _comun.escribir_json(args.json, {"siembra_s": meta["esta_corrida"] or None,
                                         "siembra_total_s": siembra, "bytes": meta["bytes"],
                                         "target_met": None})
        return 0
    figuras = medidor.medir(meta, [f.strip() for f in args.solo.split(",") if f.strip()])
    figuras.update({"incidentes": n, "indicadores": args.indicadores,
                    "siembra_s": meta["esta_corrida"] or None, "siembra_total_s": siembra,
                    "base_bytes": meta["bytes"], "wall_s": round(perf_counter() - inicio, 1)})
    _comun.escribir_json(args.json, figuras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
