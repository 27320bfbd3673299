"""Issue 4 target: with 100,000 incidents (and their timelines) in PostgreSQL, the analyst
API answers list and detail with p95 < 100 ms server side, and intake takes >= 100 reports/s.

    .venv/bin/python bench/incidentes.py [--n 100000] [--requests 100] [--json FILE] [--reset]

(a) first page of the analyst list ordered by SLA urgency, (b) the list filtered by state and
priority, (c) the detail of an open incident: DRF views called in-process (APIClient, verified
staff session), wall time per request. (c2) the same detail for incidents just reported
through (d), which carry live SLA clocks. (d) POST reports to a real server (``cgii.servidor``) with an
entity API token: 500 sequential, then 4 concurrent clients × 250. See bench/README.md.
"""

from __future__ import annotations

import logging
import random
import sys
from time import perf_counter

import _comun

_comun.preparar("cgii_bench_incidentes")  # own database; django.setup() before app imports

import _limpieza  # noqa: E402
import _sembrar_incidentes as semilla  # noqa: E402
import _servidor  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from cgii.entidades.services import token_crear, token_revocar  # noqa: E402
from cgii.servidor import procesos_por_defecto  # noqa: E402
from incidentes.models import ContadorIncidente, Incidente  # noqa: E402
from tests.entidades.sesiones import iniciar_sesion_verificada  # noqa: E402

# django-axes logs every (forced) login at INFO; the table is what this script prints.
logging.getLogger("axes").setLevel(logging.WARNING)

CLAVE_META = "incidentes"
OBJETIVO_P95_MS = 100.0
OBJETIVO_REPORTES_S = 100.0
LISTA = "/api/v1/incidentes/"
FILTRADA = "/api/v1/incidentes/?estado=en_analisis,en_contencion&prioridad=P1,P2"
TABLAS = ("incidentes_incidente", "incidentes_entradatimeline", "incidentes_tarea",
          "incidentes_contadorincidente")


class ErrorApi(RuntimeError):
    """The API answered something else than expected: the body is the finding."""


def asegurar_semilla(n: int, reset: bool) -> float | None:
    """Seed unless the seed is there. The seed is counted apart from what the intake of a
    run that died before its clean-up left behind (removed here first)."""
    meta = _comun.meta_leer(CLAVE_META)
    if (meta and not reset and meta["n"] == n and "ultimo_id" in meta
            and Incidente.objects.filter(pk__lte=meta["ultimo_id"]).count() == n):
        sobrantes = restaurar(meta)
        print(f"Reusing {n:,} incidents (seeded {meta['sembrado']}"
              + (f"; removed {sobrantes:,} left by an earlier intake" if sobrantes else "")
              + "); --reset to reseed.")
        return None
    _comun.meta_guardar(CLAVE_META, None)
    semilla.borrar()
    print(f"Seeding {n:,} incidents with timelines…")
    inicio = perf_counter()
    ahora = timezone.now()
    cuentas = semilla.sembrar(n, ahora=ahora)
    _comun.analizar(*TABLAS, vacuum=True)
    segundos = perf_counter() - inicio
    # What restaurar() brings the database back to after each run's intake.
    ultimo_id = Incidente.objects.aggregate(m=Max("pk"))["m"] or 0
    contadores = {str(a): u for a, u in ContadorIncidente.objects.values_list("anio", "ultimo")}
    _comun.meta_guardar(CLAVE_META, {"n": n, "sembrado": ahora.isoformat(), **cuentas,
                                     "ultimo_id": ultimo_id, "contadores": contadores})
    print(f"Seeded in {segundos:.1f} s (VACUUM ANALYZE included).")
    return segundos


def restaurar(meta: dict) -> int:
    """Remove the incidents the intake reported (every id above the seed's last one, with
    their clocks, crossings and events) and put the yearly code counters back: the next run
    measures the same data and its codes continue the seed's. Returns the incidents removed."""
    ids = list(Incidente.objects.filter(pk__gt=meta["ultimo_id"]).values_list("pk", flat=True))
    borrados = _limpieza.borrar_incidentes(ids) if ids else 0
    contadores = {int(a): u for a, u in meta["contadores"].items()}
    ContadorIncidente.objects.exclude(anio__in=contadores).delete()
    for anio, ultimo in contadores.items():
        ContadorIncidente.objects.update_or_create(anio=anio, defaults={"ultimo": ultimo})
    if borrados:
        # The removed reports' dead versions sit where the next run reads first (the newest
        # incidents, the urgency order's head, the bench entity's duplicate candidates) until
        # a vacuum; autovacuum waits for a fraction of the table. Leave it as seeded.
        _comun.analizar("incidentes_incidente", "protocolos_relojsla", vacuum=True)
    return borrados


def _get(cliente: APIClient, url: str):
    respuesta = cliente.get(url)
    if respuesta.status_code != 200:
        raise ErrorApi(f"GET {url} → {respuesta.status_code}: {respuesta.content[:2000]!r}")
    return respuesta


def medir_get(cliente: APIClient, urls: list[str], calentamiento: list[str]) -> dict:
    """Wall time of each GET (no query capture while timing), then the SQL count of one."""
    for url in calentamiento:
        _get(cliente, url)
    tiempos = []
    for url in urls:
        inicio = perf_counter()
        _get(cliente, url)
        tiempos.append(perf_counter() - inicio)
    with CaptureQueriesContext(connection) as consultas:
        respuesta = _get(cliente, urls[0])
    return {**_comun.resumen_ms(tiempos), "peticiones": len(urls),
            "consultas": len(consultas), "filas": respuesta.json().get("count")}


def medir_lecturas(analista, peticiones: int) -> dict[str, dict]:
    cliente = APIClient()
    iniciar_sesion_verificada(cliente, analista)
    # Detail of open incidents an analyst would open: classified, with their checklist.
    abiertos = list(Incidente.objects.filter(estado__in=semilla.TRABAJO, protocolo__isnull=False)
                    .values_list("pk", flat=True))
    muestra = random.Random(7).sample(abiertos, min(len(abiertos), peticiones + 5))
    detalles = [f"{LISTA}{pk}/" for pk in muestra]
    return {
        "lista": medir_get(cliente, [LISTA] * peticiones, [LISTA] * 5),
        "filtrada": medir_get(cliente, [FILTRADA] * peticiones, [FILTRADA] * 5),
        "detalle": medir_get(cliente, detalles[5:], detalles[:5]),
    }


def medir_detalle_reportados(analista, codigos: list[str], peticiones: int) -> dict:
    cliente = APIClient()
    iniciar_sesion_verificada(cliente, analista)
    ids = list(Incidente.objects.filter(codigo__in=codigos).values_list("pk", flat=True))
    muestra = random.Random(11).sample(ids, min(len(ids), peticiones + 5))
    urls = [f"{LISTA}{pk}/" for pk in muestra]
    return medir_get(cliente, urls[5:], urls[:5])


PROCESOS = [1]  # for the table header


def _ultimo_codigo(anio: int) -> int:
    return ContadorIncidente.objects.filter(anio=anio).values_list("ultimo", flat=True).first() or 0


def medir_intake(reportante, entidad, secuenciales: int, clientes: int, por_cliente: int,
                 puerto: int, procesos: int = 1) -> dict[str, dict]:
    token, clave = token_crear(usuario=reportante, nombre="bench intake", entidad=entidad,
                               actor="bench/incidentes.py", alcance="escritura")
    anio = timezone.localtime().year
    fases = {}
    try:
        with _servidor.Servidor(_comun.entorno(), puerto=puerto,
                                procesos=procesos) as servidor:
            url = servidor.url
            print(f"server up at {url} (log: {servidor.registro})")
            for nombre, (n_clientes, cantidad) in (("secuencial", (1, secuenciales)),
                                                   ("concurrente", (clientes, por_cliente))):
                antes = _ultimo_codigo(anio)
                r = _servidor.reportar(url, clave, clientes=n_clientes, por_cliente=cantidad,
                                       ahora_local=timezone.localtime())
                ok, rango = _servidor.sin_huecos(r.codigos, despues_de=antes)
                fases[nombre] = {**_comun.resumen_ms(r.latencias), "reportes": r.reportes,
                                 "clientes": n_clientes, "por_segundo": r.por_segundo,
                                 "segundos": r.segundos, "errores": r.errores,
                                 "sin_huecos": ok and not r.errores, "rango": rango,
                                 "codigos": r.codigos}
                print(f"  {nombre}: {r.reportes} reports in {r.segundos:.1f} s "
                      f"({r.por_segundo:.1f}/s), {len(r.errores)} errors, codes {rango}")
                for estado, cuerpo in r.errores[:3]:
                    print(f"    HTTP {estado}: {cuerpo}")
    finally:
        token_revocar(token=token, actor="bench/incidentes.py")
    return fases


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=100_000)
    parser.add_argument("--requests", type=int, default=100, help="timed GETs per endpoint")
    parser.add_argument("--secuenciales", type=int, default=500)
    parser.add_argument("--clientes", type=int, default=4)
    parser.add_argument("--por-cliente", type=int, default=250)
    parser.add_argument("--procesos", type=int, default=procesos_por_defecto(),
                        help="web worker processes (python -m cgii.servidor: gunicorn + uvicorn; "
                             "default: its own, two per core)")
    parser.add_argument("--puerto", type=int, default=8765,
                        help="server port (a free one is used if it is taken)")
    args = parser.parse_args()
    try:
        return medir_y_publicar(args)
    except ErrorApi as error:
        print(f"API error (a finding, not worked around): {error}", file=sys.stderr)
        return 1


def medir_y_publicar(args) -> int:
    siembra_s = asegurar_semilla(args.n, args.reset)
    entidades, reportantes, analistas = semilla.personas()
    analista, entidad = analistas[0], entidades[0]

    lecturas = medir_lecturas(analista, args.requests)
    try:
        intake = medir_intake(reportantes[entidad.pk], entidad, args.secuenciales,
                              args.clientes, args.por_cliente, args.puerto, args.procesos)
        PROCESOS[0] = args.procesos
        codigos = [c for fase in intake.values() for c in fase["codigos"]]
        lecturas["detalle_nuevo"] = medir_detalle_reportados(analista, codigos, args.requests)
        total = Incidente.objects.count()  # while measuring: the seed + this run's reports
    finally:
        inicio = perf_counter()
        borrados = restaurar(_comun.meta_leer(CLAVE_META))
        print(f"Removed the {borrados:,} incidents this run reported (with their clocks and "
              f"events) in {perf_counter() - inicio:.1f} s; counters restored.")

    objetivos = {
        "lecturas": all(m["p95"] < OBJETIVO_P95_MS for m in lecturas.values()),
        "intake": intake["concurrente"]["por_segundo"] >= OBJETIVO_REPORTES_S,
        "correcto": all(m["sin_huecos"] for m in intake.values()),
    }
    imprimir(total, lecturas, intake, objetivos)
    figuras = {"incidentes": total,
               "siembra_segundos": round(siembra_s, 1) if siembra_s else None}
    for clave, m in lecturas.items():
        figuras.update({f"{clave}_p50_ms": m["p50"], f"{clave}_p95_ms": m["p95"],
                        f"{clave}_max_ms": m["max"], f"{clave}_consultas": m["consultas"]})
    for clave, m in intake.items():
        figuras.update({f"intake_{clave}_reportes": m["reportes"],
                        f"intake_{clave}_clientes": m["clientes"],
                        f"intake_{clave}_por_segundo": round(m["por_segundo"], 1),
                        f"intake_{clave}_p50_ms": m["p50"], f"intake_{clave}_p95_ms": m["p95"],
                        f"intake_{clave}_errores": len(m["errores"]),
                        f"intake_{clave}_sin_huecos": m["sin_huecos"]})
    figuras.update({"objetivo_p95_ms": OBJETIVO_P95_MS,
                    "objetivo_reportes_s": OBJETIVO_REPORTES_S,
                    "target_met": all(objetivos.values())})
    _comun.escribir_json(args.json, figuras)
    return 0


def imprimir(total: int, lecturas: dict, intake: dict, objetivos: dict) -> None:
    sec, conc = intake["secuencial"], intake["concurrente"]

    def fila_get(nombre, m):
        return [nombre, m["peticiones"], m["p50"], m["p95"], m["max"], m["consultas"], "–"]

    def fila_post(nombre, m):
        return [nombre, m["reportes"], m["p50"], m["p95"], m["max"], "–",
                f"{m['por_segundo']:.1f}"]

    def si(valor):
        return "yes" if valor else "NO"

    def met(valor):
        return "MET" if valor else "NOT MET"

    print()
    print(_comun.tabla(
        f"Incidents API — {total:,} incidents in PostgreSQL; reads in-process (APIClient), "
        f"intake over HTTP to cgii.servidor ({PROCESOS[0]} uvicorn worker(s) under gunicorn)",
        ["measurement", "requests", "p50 ms", "p95 ms", "max ms", "SQL", "reports/s"], [
            fila_get("(a) list, first page by SLA urgency", lecturas["lista"]),
            fila_get("(b) list ?estado=en_analisis,en_contencion&prioridad=P1,P2",
                     lecturas["filtrada"]),
            fila_get("(c) detail, seeded open incident", lecturas["detalle"]),
            fila_get("(c2) detail, just-reported incident (3 SLA clocks)",
                     lecturas["detalle_nuevo"]),
            fila_post("(d1) intake POST, 1 client sequential", sec),
            fila_post(f"(d2) intake POST, {conc['clientes']} concurrent clients", conc),
        ]))
    print(f"list matches: (a) {lecturas['lista']['filas']:,}, "
          f"(b) {lecturas['filtrada']['filas']:,}; every intake response 201 and codes "
          f"gap-free: sequential {si(sec['sin_huecos'])} ({sec['rango']}), "
          f"concurrent {si(conc['sin_huecos'])} ({conc['rango']})")
    print(f"targets: reads p95 < {OBJETIVO_P95_MS:.0f} ms → {met(objetivos['lecturas'])}; "
          f"concurrent intake >= {OBJETIVO_REPORTES_S:.0f} reports/s → "
          f"{met(objetivos['intake'])} ({conc['por_segundo']:.1f}/s)")


if __name__ == "__main__":
    sys.exit(main())
