"""Issue 3 target: with 100,000 open incidents' clocks, the query that finds every clock that
crossed its warning or deadline since the last sweep runs in under 1 s (index range scan on
the next threshold, never a scan of all clocks).

    .venv/bin/python bench/sla_sweep.py [--n 100000] [--runs 50] [--json FILE] [--reset]

Seeds N objects × 3 synthetic clocks (ámbito "bench") once; later runs reuse them and sweep
at the same reference instant T, so every run measures the same due set. See bench/README.md.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from time import perf_counter

import _comun

_comun.preparar("cgii_bench_sla")  # own database; django.setup() before app imports

import _sembrar_relojes as semilla  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from protocolos import selectors, services  # noqa: E402
from protocolos.models import CruceSLA, RelojSLA  # noqa: E402

CLAVE_META = "sla_sweep"
OBJETIVO_P95_MS = 1000.0
INDICE = "reloj_proximo_umbral"
CAMPOS_FIGURAS = ["eventos", "estado", "vence", "advertencia_en", "terminado_en",
                  "proximo_umbral"]


def asegurar_semilla(n: int, reset: bool) -> tuple[datetime, float | None]:
    """The reference instant T of the seeded clocks, seeding first if needed."""
    meta = _comun.meta_leer(CLAVE_META)
    if (meta and not reset and meta["n"] == n
            and RelojSLA.objects.filter(ambito=semilla.AMBITO).count() == 3 * n):
        print(f"Reusing {3 * n:,} seeded clocks (T = {meta['referencia']}); --reset to reseed.")
        # Each run's sweep updates (then restores) the due rows: vacuum their dead versions
        # so that every run scans the same index entries.
        _comun.analizar("protocolos_relojsla", "protocolos_crucesla", vacuum=True)
        return datetime.fromisoformat(meta["referencia"]), None
    _comun.meta_guardar(CLAVE_META, None)
    borrados = semilla.borrar()
    print(f"Seeding {n:,} objects × 3 clocks (deleted {borrados:,} old bench clocks)…")
    referencia = timezone.now()
    inicio = perf_counter()
    semilla.sembrar(n, referencia=referencia)
    _comun.analizar("protocolos_relojsla", "protocolos_crucesla", vacuum=True)
    segundos = perf_counter() - inicio
    _comun.meta_guardar(CLAVE_META, {"n": n, "referencia": referencia.isoformat()})
    print(f"Seeded in {segundos:.1f} s (VACUUM ANALYZE included).")
    return referencia, segundos


def listar_pks(hasta: datetime) -> list[int]:
    """What the sweep lists: ids of clocks whose next threshold is at or before ``hasta``."""
    return list(selectors.relojes_que_cruzaron(hasta=hasta).values_list("pk", flat=True))


def listar_filas(hasta: datetime) -> list[RelojSLA]:
    return list(selectors.relojes_que_cruzaron(hasta=hasta))


def sin_indices(funcion):
    """The same query with index scans disabled: what a scan of every clock would cost."""
    def envuelta(hasta):
        with transaction.atomic(), connection.cursor() as cursor:
            for opcion in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                cursor.execute(f"SET LOCAL {opcion} = off")
            return funcion(hasta)
    return envuelta


def cronometrar(funcion, hasta: datetime, veces: int, calentamiento: int = 5) -> list[float]:
    for _ in range(calentamiento):
        funcion(hasta)
    tiempos = []
    for _ in range(veces):
        inicio = perf_counter()
        funcion(hasta)
        tiempos.append(perf_counter() - inicio)
    return tiempos


def plan(hasta: datetime) -> list[str]:
    consulta = selectors.relojes_que_cruzaron(hasta=hasta).values_list("pk", flat=True)
    sql, parametros = consulta.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, parametros)
        return [fila[0] for fila in cursor.fetchall()]


def barrer(hasta: datetime) -> dict:
    """One real sweep (one transaction per clock, as in production), then put the bench
    clocks back as they were so that the next run measures the same data."""
    vencidos = list(RelojSLA.objects.filter(proximo_umbral__lte=hasta))
    por_ambito = Counter(r.ambito for r in vencidos)
    inicio = perf_counter()
    cruces = services.sla_barrer(ahora=hasta)
    segundos = perf_counter() - inicio
    tipos = Counter(c.tipo for c in cruces)
    with transaction.atomic():
        CruceSLA.objects.filter(reloj__ambito=semilla.AMBITO).delete()
        RelojSLA.objects.bulk_update([r for r in vencidos if r.ambito == semilla.AMBITO],
                                     CAMPOS_FIGURAS, batch_size=1000)
    return {"procesados": len(vencidos), "por_ambito": dict(por_ambito),
            "cruces": len(cruces), "advertencias": tipos.get("advertencia", 0),
            "incumplimientos": tipos.get("incumplimiento", 0), "segundos": segundos}


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs of the listing query")
    args = parser.parse_args()

    referencia, siembra_s = asegurar_semilla(args.n, args.reset)
    total = RelojSLA.objects.count()
    sin_umbral = RelojSLA.objects.filter(proximo_umbral__isnull=True).count()

    vencidos = len(listar_pks(referencia))
    pks = _comun.resumen_ms(cronometrar(listar_pks, referencia, args.runs))
    filas = _comun.resumen_ms(cronometrar(listar_filas, referencia, max(args.runs // 2, 1)))
    escaneo = _comun.resumen_ms(cronometrar(sin_indices(listar_pks), referencia, 10, 2))
    lineas_plan = plan(referencia)
    usa_indice = any(INDICE in linea for linea in lineas_plan)
    barrido = barrer(referencia)
    cumple = pks["p95"] < OBJETIVO_P95_MS

    print()
    print("EXPLAIN (ANALYZE, BUFFERS) of the listing query:")
    print("\n".join(f"  {linea}" for linea in lineas_plan))
    print()
    titulo = (f"SLA sweep — {total:,} clocks ({args.n:,} bench objects × 3), "
              f"{total - sin_umbral:,} with a next threshold, {vencidos:,} due at T = "
              f"{timezone.localtime(referencia):%Y-%m-%d %H:%M:%S}")
    print(_comun.tabla(titulo, ["measurement", "runs", "rows", "p50 ms", "p95 ms", "max ms"], [
        ["listing query: pks (what the sweep runs)", args.runs, vencidos,
         pks["p50"], pks["p95"], pks["max"]],
        ["listing query: full rows + policy", max(args.runs // 2, 1), vencidos,
         filas["p50"], filas["p95"], filas["max"]],
        ["same, index scans disabled (seq scan)", 10, vencidos,
         escaneo["p50"], escaneo["p95"], escaneo["max"]],
    ]))
    ambitos = ", ".join(f"{k}: {v}" for k, v in sorted(barrido["por_ambito"].items())) or "none"
    print(f"plan uses index {INDICE}: {'yes' if usa_indice else 'NO'}")
    print(f"sla_barrer(ahora=T): {barrido['procesados']} clocks processed ({ambitos}), "
          f"{barrido['cruces']} crossings ({barrido['advertencias']} warnings, "
          f"{barrido['incumplimientos']} breaches) in {barrido['segundos']:.2f} s "
          f"({barrido['procesados'] / max(barrido['segundos'], 1e-9):.0f} clocks/s); "
          f"no crossing handler runs for ámbito '{semilla.AMBITO}'")
    print(f"target: listing p95 < {OBJETIVO_P95_MS:.0f} ms → "
          f"{'MET' if cumple else 'NOT MET'} ({pks['p95']} ms)")

    _comun.escribir_json(args.json, {
        "relojes": total, "objetos": args.n, "relojes_con_umbral": total - sin_umbral,
        "vencidos": vencidos, "referencia": referencia.isoformat(),
        "listado_runs": args.runs, "listado_p50_ms": pks["p50"],
        "listado_p95_ms": pks["p95"], "listado_max_ms": pks["max"],
        "filas_p50_ms": filas["p50"], "filas_p95_ms": filas["p95"],
        "sin_indice_p50_ms": escaneo["p50"], "usa_indice": usa_indice,
        "barrido_procesados": barrido["procesados"], "barrido_cruces": barrido["cruces"],
        "barrido_advertencias": barrido["advertencias"],
        "barrido_incumplimientos": barrido["incumplimientos"],
        "barrido_segundos": round(barrido["segundos"], 3),
        "barrido_otros_ambitos": barrido["procesados"] - barrido["por_ambito"].get(
            semilla.AMBITO, 0),
        "siembra_segundos": round(siembra_s, 1) if siembra_s is not None else None,
        "objetivo_p95_ms": OBJETIVO_P95_MS, "target_met": cumple,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
