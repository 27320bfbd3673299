"""Issue 18 targets: the console's bulk endpoint answers for 200 selected incidents with
p95 < 500 ms server side, and the saved views' live counts answer at 100,000 incidents with
p95 < 50 ms.

    .venv/bin/python bench/triaje.py [--n 100000] [--seleccion 200] [--runs 10]
                                     [--requests 100] [--json FILE] [--reset]

(a) ``POST /api/v1/incidentes/lote/`` with 200 open incidents chosen at random (a new sample
each run) for each action that writes on every row: take, assign (coordinator), priority
(P2↔P3, so every row changes), label (a new label each run). Each row goes through its own
service (lock, save, timeline + audit + outbox rows) in its own savepoint: that is the cost
measured. DRF view called in-process (APIClient, verified staff session), wall time per
request, SQL count of one request. (b) ``GET /incidentes/vistas/cuentas/`` — the counts the
console re-reads on live events — for a coordinator with the two seeded team views and
three views of his own, in-process (Client). The seed is bench/_sembrar_incidentes.py
(bulk_create; reused between runs, ``--reset`` to reseed). See bench/README.md.
"""

from __future__ import annotations

import logging
import random
import sys
from time import perf_counter

import _comun

_comun.preparar("cgii_bench_triaje")  # own database; django.setup() before app imports

import _sembrar_incidentes as semilla  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from incidentes.models import Incidente, VistaGuardada  # noqa: E402
from incidentes.services import vista_guardar  # noqa: E402
from tests.entidades.sesiones import iniciar_sesion_verificada  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)

CLAVE_META = "triaje"
OBJETIVO_P95_MS = 500.0          # (a) bulk endpoint, 200 incidents
OBJETIVO_CUENTAS_P95_MS = 50.0   # (b) live view counts at 100,000 incidents
LOTE = "/api/v1/incidentes/lote/"
CUENTAS = "/incidentes/vistas/cuentas/?pagina=consola"
TABLAS = ("incidentes_incidente", "incidentes_entradatimeline", "incidentes_tarea")
VISTAS_PROPIAS = (("P1 abiertos", "prioridad=P1"), ("Sin asignar", "sin_asignar=1"),
                  ("Vencidos", "estado_sla=incumplido"))


class ErrorApi(RuntimeError):
    """The endpoint answered something else than expected: the body is the finding."""


def asegurar_semilla(n: int, reset: bool) -> float | None:
    meta = _comun.meta_leer(CLAVE_META)
    if meta and not reset and meta["n"] == n and Incidente.objects.count() >= n:
        print(f"Reusing {n:,} incidents (seeded {meta['sembrado']}); --reset to reseed.")
        return None
    _comun.meta_guardar(CLAVE_META, None)
    semilla.borrar()
    print(f"Seeding {n:,} incidents with timelines (bulk_create)…")
    inicio = perf_counter()
    ahora = timezone.now()
    semilla.sembrar(n, ahora=ahora)
    _comun.analizar(*TABLAS, vacuum=True)
    segundos = perf_counter() - inicio
    _comun.meta_guardar(CLAVE_META, {"n": n, "sembrado": ahora.isoformat()})
    print(f"Seeded in {segundos:.1f} s (VACUUM ANALYZE included).")
    return segundos


def coordinador_de_bench(analistas):
    """The first bench analyst, also coordinator (assigning to others needs it), with his
    own saved views."""
    coordinador = analistas[0]
    coordinador.groups.add(Group.objects.get_or_create(name="coordinador")[0])
    for nombre, consulta in VISTAS_PROPIAS:
        if not VistaGuardada.objects.filter(usuario=coordinador, nombre=nombre).exists():
            vista_guardar(actor=coordinador, nombre=nombre, pagina="consola", consulta=consulta)
    return coordinador


def _post(cliente, datos: dict) -> dict:
    r = cliente.post(LOTE, datos, format="json")
    if r.status_code != 200:
        raise ErrorApi(f"POST {LOTE} → {r.status_code}: {r.content[:2000]!r}")
    cuerpo = r.json()
    if cuerpo["rechazados"]:
        ejemplo = next(f for f in cuerpo["resultados"] if not f["ok"])
        raise ErrorApi(f"{cuerpo['rechazados']} rows refused, e.g. {ejemplo}")
    return cuerpo


def medir_lote(coordinador, analistas, seleccion: int, runs: int) -> dict[str, dict]:
    cliente = APIClient()
    iniciar_sesion_verificada(cliente, coordinador)
    abiertos = list(Incidente.objects.filter(estado__in=semilla.ABIERTOS)
                    .values_list("pk", flat=True))
    if len(abiertos) < seleccion:
        raise ErrorApi(f"only {len(abiertos)} open incidents; seed more (--n)")
    rng = random.Random(18)
    acciones = {
        "tomar": lambda k: {"accion": "tomar"},
        "asignar": lambda k: {"accion": "asignar", "analista_id": analistas[1 + k % 7].pk},
        "prioridad": lambda k: {"accion": "prioridad", "prioridad": "P2" if k % 2 else "P3",
                                "motivo": "Revisión de la cola (bench)"},
        "etiqueta": lambda k: {"accion": "etiqueta", "etiqueta": f"bench-{rng.random():.6f}"},
    }
    figuras = {}
    for nombre, datos in acciones.items():
        _post(cliente, {**datos(0), "ids": rng.sample(abiertos, seleccion)})  # warm-up
        tiempos = []
        for k in range(runs):
            ids = rng.sample(abiertos, seleccion)
            cuerpo = {**datos(k + 1), "ids": ids}
            inicio = perf_counter()
            _post(cliente, cuerpo)
            tiempos.append(perf_counter() - inicio)
        with CaptureQueriesContext(connection) as consultas:
            _post(cliente, {**datos(runs + 1), "ids": rng.sample(abiertos, seleccion)})
        figuras[nombre] = {**_comun.resumen_ms(tiempos), "peticiones": runs,
                           "consultas": len(consultas),
                           "consultas_por_fila": round(len(consultas) / seleccion, 1)}
        print(f"  {nombre}: p95 {figuras[nombre]['p95']} ms, {len(consultas)} SQL")
    return figuras


def medir_cuentas(coordinador, peticiones: int) -> dict:
    cliente = Client()
    iniciar_sesion_verificada(cliente, coordinador)
    for _ in range(5):
        cliente.get(CUENTAS)
    tiempos = []
    for _ in range(peticiones):
        inicio = perf_counter()
        r = cliente.get(CUENTAS)
        tiempos.append(perf_counter() - inicio)
        if r.status_code != 200:
            raise ErrorApi(f"GET {CUENTAS} → {r.status_code}")
    with CaptureQueriesContext(connection) as consultas:
        cuentas = cliente.get(CUENTAS).json()["cuentas"]
    nombres = dict(VistaGuardada.objects.values_list("pk", "nombre"))
    return {**_comun.resumen_ms(tiempos), "peticiones": peticiones,
            "consultas": len(consultas), "vistas": len(cuentas),
            "cuentas": {nombres[int(k)]: v for k, v in cuentas.items()}}


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=100_000)
    parser.add_argument("--seleccion", type=int, default=200, help="incidents per bulk request")
    parser.add_argument("--runs", type=int, default=10, help="timed bulk requests per action")
    parser.add_argument("--requests", type=int, default=100, help="timed count requests")
    args = parser.parse_args()
    siembra_s = asegurar_semilla(args.n, args.reset)
    _entidades, _reportantes, analistas = semilla.personas()
    coordinador = coordinador_de_bench(analistas)
    total = Incidente.objects.count()
    try:
        lote = medir_lote(coordinador, analistas, args.seleccion, args.runs)
        cuentas = medir_cuentas(coordinador, args.requests)
    except ErrorApi as error:
        print(f"API error (a finding, not worked around): {error}", file=sys.stderr)
        return 1
    objetivos = {"lote": all(m["p95"] < OBJETIVO_P95_MS for m in lote.values()),
                 "cuentas": cuentas["p95"] < OBJETIVO_CUENTAS_P95_MS}
    imprimir(total, args.seleccion, lote, cuentas, objetivos)
    figuras = {"incidentes": total, "seleccion": args.seleccion,
               "siembra_segundos": round(siembra_s, 1) if siembra_s else None}
    for nombre, m in lote.items():
        figuras.update({f"lote_{nombre}_p50_ms": m["p50"], f"lote_{nombre}_p95_ms": m["p95"],
                        f"lote_{nombre}_max_ms": m["max"],
                        f"lote_{nombre}_consultas": m["consultas"]})
    figuras.update({"lote_p95_ms": max(m["p95"] for m in lote.values()),
                    "cuentas_p50_ms": cuentas["p50"], "cuentas_p95_ms": cuentas["p95"],
                    "cuentas_max_ms": cuentas["max"], "cuentas_consultas": cuentas["consultas"],
                    "cuentas_vistas": cuentas["vistas"],
                    "objetivo_p95_ms": OBJETIVO_P95_MS,
                    "objetivo_cuentas_p95_ms": OBJETIVO_CUENTAS_P95_MS,
                    "target_met": all(objetivos.values())})
    _comun.escribir_json(args.json, figuras)
    return 0


def imprimir(total: int, seleccion: int, lote: dict, cuentas: dict, objetivos: dict) -> None:
    def met(valor):
        return "MET" if valor else "NOT MET"

    filas = [[f"(a) bulk «{nombre}», {seleccion} incidents", m["peticiones"], m["p50"],
              m["p95"], m["max"], m["consultas"], m["consultas_por_fila"]]
             for nombre, m in lote.items()]
    filas.append([f"(b) live counts of {cuentas['vistas']} saved views", cuentas["peticiones"],
                  cuentas["p50"], cuentas["p95"], cuentas["max"], cuentas["consultas"], "–"])
    print()
    print(_comun.tabla(
        f"Console triage — {total:,} incidents in PostgreSQL; in-process (APIClient/Client, "
        f"verified staff session)",
        ["measurement", "requests", "p50 ms", "p95 ms", "max ms", "SQL", "SQL/row"], filas))
    print("view counts: " + ", ".join(f"{k} {v:,}" for k, v in cuentas["cuentas"].items()))
    print(f"targets: bulk p95 < {OBJETIVO_P95_MS:.0f} ms → {met(objetivos['lote'])}; "
          f"view counts p95 < {OBJETIVO_CUENTAS_P95_MS:.0f} ms → {met(objetivos['cuentas'])}")


if __name__ == "__main__":
    sys.exit(main())
