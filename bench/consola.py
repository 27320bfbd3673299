"""Where the time of one console page goes (issue 22): wall and CPU per request, SQL, cProfile.

    .venv/bin/python bench/consola.py [--n 100000] [--peticiones 100] [--top 30] [--sql]

Uses bench/listas.py's database and seed (run that first; ``--n`` larger copies rows the same
way). Only ~1-2 % of incidents are open and every open one is among the newest 100,000, so
the console at 100,000 is a fair proxy for 1,000,000. Measures ``/incidentes/consola/``
in-process (Django test client, verified staff session) as a plain analyst, and as a
coordinator (who also gets each analyst's workload for the «Asignar» menu) with five saved
console views (three team views, two own: the chips and their counts). For each: wall
p50/p95, CPU ms per request (process time: less noisy on a shared machine), SQL statements,
and the top cProfile entries by cumulative time. Nothing is asserted.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import _comun
import _perfil

_comun.preparar("cgii_bench_listas")  # bench/listas.py's database and seed

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from incidentes.models import Incidente, VistaGuardada  # noqa: E402
from incidentes.states import ESTADOS_ABIERTOS  # noqa: E402
from tests.entidades.sesiones import iniciar_sesion_verificada  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)

CONSOLA = "/incidentes/consola/"
VISTAS = (  # (name, query string, team view?)
    ("Bench P1", "prioridad=P1", True),
    ("Bench vencidos", "estado_sla=incumplido", True),
    ("Bench sin asignar", "sin_asignar=1", True),
    ("Bench míos", "mios=1", False),
    ("Bench triaje P2", "estado=en_triaje&prioridad=P2", False),
)


def _coordinador(analistas):
    """A seeded analyst who also coordinates, with the five saved views (idempotent)."""
    usuario = analistas[-1]
    usuario.groups.add(Group.objects.get_or_create(name="coordinador")[0])
    for orden, (nombre, consulta, equipo) in enumerate(VISTAS):
        VistaGuardada.objects.get_or_create(
            usuario=None if equipo else usuario, pagina="consola", nombre=nombre,
            defaults={"consulta": consulta, "orden": orden})
    return usuario


def medir(cliente: Client, n: int, top: int) -> dict:
    for _ in range(10):
        r = cliente.get(CONSOLA)
        assert r.status_code == 200, r.status_code
    paredes, cpu = [], []
    for _ in range(n):
        p0, c0 = time.perf_counter(), time.process_time()
        cliente.get(CONSOLA)
        paredes.append(time.perf_counter() - p0)
        cpu.append(time.process_time() - c0)
    sentencias = []

    def anotar(ejecutar, sql, params, many, contexto):
        t0 = time.perf_counter()
        try:
            return ejecutar(sql, params, many, contexto)
        finally:
            sentencias.append((1000 * (time.perf_counter() - t0), sql))

    with connection.execute_wrapper(anotar):
        cliente.get(CONSOLA)
    filas = _perfil.perfilar(lambda: cliente.get(CONSOLA), n, top)
    return {"pared": _comun.resumen_ms(paredes), "cpu_ms": round(1000 * sum(cpu) / n, 2),
            "sql": sentencias, "filas": filas}


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=100_000)
    parser.add_argument("--peticiones", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print each statement and its ms")
    parser.add_argument("--solo", default="analista,coordinador")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if Incidente.objects.count() < args.n:
        raise SystemExit("Seed it first: bench/listas.py (same database).")
    import _sembrar_incidentes as semilla

    _entidades, _reportantes, analistas = semilla.personas()
    quienes = {"analista": analistas[0], "coordinador": _coordinador(analistas)}
    abiertos = Incidente.objects.filter(estado__in=ESTADOS_ABIERTOS).count()
    print(f"{Incidente.objects.count():,} incidents, {abiertos:,} open")
    figuras = {"target_met": None}
    for nombre in args.solo.split(","):
        cliente = Client()
        iniciar_sesion_verificada(cliente, quienes[nombre])
        carga0 = os.getloadavg()[0]
        m = medir(cliente, args.peticiones, args.top)
        p = m["pared"]
        print(f"\n== console as {nombre}: wall p50 {p['p50']} ms, p95 {p['p95']} ms; CPU "
              f"{m['cpu_ms']} ms/request; {len(m['sql'])} SQL ({sum(t for t, _s in m['sql']):.1f}"
              f" ms in SQL); load {carga0:.2f} → {os.getloadavg()[0]:.2f}")
        print(_comun.tabla("cProfile, cumulative (profiled runs are slower than wall time)",
                           ["function", "calls/req", "cum ms/req"], m["filas"]))
        if args.sql:
            for i, (ms, sql) in enumerate(m["sql"], 1):
                print(f"  {i:2d}. {ms:6.2f} ms  {sql[:400]}")
        figuras.update({f"{nombre}_p50_ms": p["p50"], f"{nombre}_p95_ms": p["p95"],
                        f"{nombre}_cpu_ms": m["cpu_ms"], f"{nombre}_consultas": len(m["sql"])})
    _comun.escribir_json(args.json, figuras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
