"""Issue 22 target: the incident lists at scale — API list p95 <= 20 ms in <= 4 queries
(staff session), the HTML list and the console p95 <= 30 ms, flat from 100,000 to 1,000,000.

    .venv/bin/python bench/listas.py [--n 1000000] [--requests 50] [--json FILE]

Seeds like bench/incidentes.py (100,000 incidents with timelines, the same seeder) and, for
a larger ``--n``, copies those incident rows (no timelines: the lists never read them) one
year further back per copy with INSERT … SELECT until there are ``--n``; then measures
in-process (Django test client, verified staff session; an entity reporter): the API list
(first page, the page its ``next`` link gives, a page half-way down the order, filtered,
other orders, as an entity user), the HTML list and the console. Wall time per request,
the SQL count of one. Works on a checkout without keyset pagination too (deep page by
``?page=``), so the same script gives the before and after figures (docs/listas.md).
"""

from __future__ import annotations

import logging
import sys
from time import perf_counter

import _comun

_comun.preparar("cgii_bench_listas")  # own database; django.setup() before app imports

import _sembrar_incidentes as semilla  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from incidentes.models import Incidente  # noqa: E402
from tests.entidades.sesiones import iniciar_sesion_verificada  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)
logging.getLogger("django.request").setLevel(logging.ERROR)

OBJETIVO_API_P95_MS = 20.0
OBJETIVO_API_CONSULTAS = 4
OBJETIVO_HTML_P95_MS = 30.0
BASE = 100_000
API = "/api/v1/incidentes/"
COLUMNAS_COPIA = (
    "entidad_id", "reportante_id", "origen", "origen_detalle", "titulo", "descripcion",
    "detectado_en", "ocurrido_en", "activos_afectados", "activos", "tipo_id",
    "version_taxonomia", "protocolo_id", "impacto", "urgencia", "prioridad",
    "prioridad_manual", "motivo_prioridad", "tlp", "analista_id", "estado", "estado_previo",
    "motivo_rechazo", "resumen_cierre", "lecciones_aprendidas", "controles_fallidos",
    "primera_respuesta_en", "resuelto_en", "cerrado_en", "confirmado_por_entidad_en",
    "estado_sla", "etiquetas", "actualizado",
)


def asegurar_semilla(n: int) -> float | None:
    total = Incidente.objects.count()
    if total >= n:
        print(f"Reusing {total:,} incidents.")
        return None
    inicio = perf_counter()
    if total == 0:
        print(f"Seeding {min(n, BASE):,} incidents with timelines…")
        semilla.sembrar(min(n, BASE), ahora=timezone.now())
        total = Incidente.objects.count()
    copia = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM incidentes_incidente")
        tope = cursor.fetchone()[0]
        columnas = ", ".join(COLUMNAS_COPIA)
        while total < n:
            copia += 1
            faltan = n - total
            # One year further back per copy: same mix of states, priorities, entities.
            cursor.execute(
                f"INSERT INTO incidentes_incidente (codigo, creado, vence_sla, {columnas}) "
                f"SELECT left(codigo, 16) || '-' || %s, creado - %s * interval '1 year', "
                f"vence_sla - %s * interval '1 year', {columnas} FROM incidentes_incidente "
                f"WHERE id <= %s ORDER BY id LIMIT %s", [copia, copia, copia, tope, faltan])
            total += cursor.rowcount
            print(f"  {total:,} incidents")
    _comun.analizar("incidentes_incidente", vacuum=True)
    segundos = perf_counter() - inicio
    print(f"Seeded in {segundos:.1f} s (VACUUM ANALYZE included).")
    return segundos


def _cursor_a_mitad(total: int) -> str:
    """The query string of a page half-way down the SLA-urgency order: a cursor from the
    row there when this checkout pages by keyset, else the old page number."""
    try:
        from cgii import keyset
        from incidentes.selectors import ORDENES_KEYSET
    except ImportError:
        return f"page={total // 2 // 50}"
    fila = (Incidente.objects.order_by(*ORDENES_KEYSET["urgencia"].order_by())
            .values("vence_sla", "creado", "id")[total // 2])
    cursor = keyset.codificar(ORDENES_KEYSET["urgencia"],
                              [fila["vence_sla"], fila["creado"], fila["id"]])
    return f"cursor={cursor}"


def medir(cliente: Client, url: str, peticiones: int) -> dict:
    for _ in range(5):
        r = cliente.get(url)
        if r.status_code != 200:
            raise RuntimeError(f"GET {url} → {r.status_code}: {r.content[:500]!r}")
    tiempos = []
    for _ in range(peticiones):
        inicio = perf_counter()
        cliente.get(url)
        tiempos.append(perf_counter() - inicio)
    with CaptureQueriesContext(connection) as consultas:
        cliente.get(url)
    return {**_comun.resumen_ms(tiempos), "consultas": len(consultas), "url": url}


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=BASE)
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per URL")
    args = parser.parse_args()
    siembra = asegurar_semilla(args.n)
    total = Incidente.objects.count()
    entidades, reportantes, analistas = semilla.personas()
    staff, entidad = Client(), Client()
    iniciar_sesion_verificada(staff, analistas[0])
    entidad.force_login(reportantes[entidades[0].pk])
    siguiente = staff.get(API).json()["next"]
    casos = [
        ("api", "(a) API list, first page by SLA urgency", staff, API),
        ("api", "(b) API list, the page its next link gives", staff, siguiente),
        ("api", "(c) API list, half-way down the order", staff, f"{API}?{_cursor_a_mitad(total)}"),
        ("api", "(d) API ?estado=en_analisis,en_contencion&prioridad=P1,P2", staff,
         f"{API}?estado=en_analisis,en_contencion&prioridad=P1,P2"),
        ("api", "(e) API ?orden=recientes", staff, f"{API}?orden=recientes"),
        ("api", "(f) API ?orden=prioridad", staff, f"{API}?orden=prioridad"),
        ("api", "(g) API list, entity reporter", entidad, API),
        ("html", "(h) HTML list, staff", staff, "/incidentes/"),
        ("html", "(i) HTML list, entity reporter", entidad, "/incidentes/"),
        ("html", "(j) console, staff", staff, "/incidentes/consola/"),
    ]
    filas, figuras, cumple = [], {"incidentes": total, "siembra_segundos": siembra}, True
    for clase, nombre, cliente, url in casos:
        m = medir(cliente, url, args.requests)
        objetivo = OBJETIVO_API_P95_MS if clase == "api" else OBJETIVO_HTML_P95_MS
        ok = m["p95"] <= objetivo and (clase != "api" or cliente is not staff
                                       or m["consultas"] <= OBJETIVO_API_CONSULTAS)
        cumple &= ok
        filas.append([nombre, m["p50"], m["p95"], m["max"], m["consultas"],
                      f"{objetivo:.0f}", "MET" if ok else "NOT MET"])
        clave = nombre.split(")")[0].strip("(")
        figuras.update({f"{clave}_p50_ms": m["p50"], f"{clave}_p95_ms": m["p95"],
                        f"{clave}_consultas": m["consultas"]})
    print()
    print(_comun.tabla(f"Incident lists — {total:,} incidents, {args.requests} GETs each, "
                       "in-process", ["measurement", "p50 ms", "p95 ms", "max ms", "SQL",
                                      "p95 target", "verdict"], filas))
    figuras.update({"objetivo_api_p95_ms": OBJETIVO_API_P95_MS,
                    "objetivo_html_p95_ms": OBJETIVO_HTML_P95_MS, "target_met": cumple})
    _comun.escribir_json(args.json, figuras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
