"""Where the time of one incident detail and one intake goes (issue 22): cProfile and the SQL.

    .venv/bin/python bench/perfiles.py [--n 100000] [--peticiones 200] [--top 25]
                                       [--solo detalle_api,detalle_html,intake] [--sql]

Uses bench/incidentes.py's database and seed (seeds it when missing). One seeded open
incident is given what makes a detail page heavy — evidence, indicators (one also seen in
another incident), SLA clocks, shared messages — then each path runs in-process (Django test
client, the full middleware stack, production settings, DEBUG off):

- ``detalle_api``: GET /api/v1/incidentes/<id>/ as a CGII analyst and as the entity's reporter
- ``detalle_html``: GET /incidentes/<id>/ (the page) as both
- ``intake``: POST /api/v1/incidentes/ with the entity's API token (the real server's
  throughput is bench/incidentes.py part (d); this is the CPU of one request)

For each: wall time p50/p95 (not profiled), CPU ms per request (process time, less noisy on a
shared machine), the SQL count, the top cProfile entries by cumulative time (ms per request)
and, with ``--sql``, every statement of one request. Nothing is asserted: it is a profile.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
import uuid
from datetime import timedelta

import _comun
import _perfil

_comun.preparar("cgii_bench_incidentes")  # the same database and seed as bench/incidentes.py

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cgii.entidades.services import token_crear, token_revocar  # noqa: E402
from incidentes import services  # noqa: E402
from incidentes.indicadores.services import indicadores_pegar  # noqa: E402
from incidentes.models import Evidencia  # noqa: E402
from tests.entidades.sesiones import iniciar_sesion_verificada  # noqa: E402

# bench/incidentes.py (its seed and clean-up) by path: "incidentes" is the Django app.
_espec = importlib.util.spec_from_file_location("bench_incidentes",
                                                _comun.RAIZ / "bench" / "incidentes.py")
_bench_incidentes = importlib.util.module_from_spec(_espec)
_espec.loader.exec_module(_bench_incidentes)

logging.getLogger("axes").setLevel(logging.WARNING)

MARCA = "bench/perfiles.py"


def _preparar_incidente(analista, reportante, entidad) -> tuple[int, list[int]]:
    """A fresh incident reported by the entity and worked by an analyst, with everything a
    detail shows: clocks, checklist, evidence, indicators, shared messages. Returns its id and
    every id this run created (removed at the end)."""
    ahora = timezone.now()
    creados = []
    otro = services.incidente_reportar(
        actor=reportante, entidad=entidad, titulo=f"{MARCA} correlación",
        descripcion="Otro incidente con el mismo indicador.", detectado_en=ahora)
    creados.append(otro.pk)
    inc = services.incidente_reportar(
        actor=reportante, entidad=entidad, titulo=f"{MARCA} detalle pesado",
        descripcion="Phishing con enlace a un dominio falso.", detectado_en=ahora)
    creados.append(inc.pk)
    services.incidente_clasificar(actor=analista, incidente_id=inc.pk, tipo_codigo="phishing",
                                  impacto=3, urgencia=3)
    services.incidente_asignar(actor=analista, incidente_id=inc.pk, analista_id=analista.pk)
    for i in range(4):
        services.incidente_comentar(actor=analista, incidente_id=inc.pk,
                                    texto=f"Mensaje {i} a la entidad.", compartido=bool(i % 2))
    for i in range(3):
        Evidencia.objects.create(incidente=inc, subido_por=reportante, nombre=f"captura{i}.png",
                                 tipo_mime="image/png", tamano=1000 + i, sha256="0" * 64,
                                 ruta=f"perfiles/{uuid.uuid4().hex}", visible_entidad=True)
    valores = ["sigep-gob-bo.com", "198.51.100.7", "http://sigep-gob-bo.com/login"]
    for pk in (inc.pk, otro.pk):
        indicadores_pegar(actor=analista, incidente_id=pk, texto=valores[:2 if pk == otro.pk else 3],
                          tipo="", rol="relacionado", origen="manual", nota="")
    return inc.pk, creados


def _medir(peticion, n: int, top: int, ver_sql: bool, volcar: str | None = None) -> dict:
    """``peticion()`` makes one request and returns the response."""
    def una():
        respuesta = peticion()
        if respuesta.status_code not in (200, 201):
            raise SystemExit(f"{respuesta.request['PATH_INFO']} → {respuesta.status_code}: "
                             f"{respuesta.content[:800]!r}")
        return respuesta

    for _ in range(10):
        una()
    paredes, cpu = [], []
    for _ in range(n):
        p0, c0 = time.perf_counter(), time.process_time()
        una()
        paredes.append(time.perf_counter() - p0)
        cpu.append(time.process_time() - c0)
    sentencias = []

    def anotar(ejecutar, sql, params, many, contexto):
        sentencias.append(sql)
        return ejecutar(sql, params, many, contexto)

    with connection.execute_wrapper(anotar):
        una()
    filas = _perfil.perfilar(una, n, top, volcar)
    return {"pared": _comun.resumen_ms(paredes), "cpu_ms": round(1000 * sum(cpu) / n, 2),
            "sql": sentencias, "filas": filas,
            "ver_sql": ver_sql}


def _seccion_serializada(reportar, n: int) -> dict:
    """How long each report holds the year's code counter row (from its upsert to the end of
    COMMIT): concurrent reports queue on that lock (and on the audit chain's, taken inside
    the same window), so 1000 / p50 bounds the reports per second whatever the cores."""
    ventanas = []
    inicio = []

    def anotar(ejecutar, sql, params, many, contexto):
        if sql.startswith("INSERT INTO incidentes_contadorincidente"):
            inicio.append(time.perf_counter())
        return ejecutar(sql, params, many, contexto)

    def al_confirmar(hecho):
        # The first on_commit callback runs right after COMMIT returned.
        if inicio:
            ventanas.append(hecho - inicio.pop())

    from django.db.backends.base.base import BaseDatabaseWrapper

    confirmar = BaseDatabaseWrapper.commit

    def commit(self):
        confirmar(self)
        al_confirmar(time.perf_counter())

    BaseDatabaseWrapper.commit = commit
    try:
        with connection.execute_wrapper(anotar):
            for _ in range(n):
                reportar()
    finally:
        BaseDatabaseWrapper.commit = confirmar
    return _comun.resumen_ms(ventanas)


def _volcado(directorio: str | None, nombre: str) -> str | None:
    return f"{directorio}/{nombre}.prof" if directorio else None


def _imprimir(nombre: str, m: dict) -> None:  # as each path is measured (a run may be cut)
    p = m["pared"]
    print(f"\n== {nombre}: wall p50 {p['p50']} ms, p95 {p['p95']} ms; CPU {m['cpu_ms']} ms "
          f"per request; {len(m['sql'])} SQL")
    print(_comun.tabla("cProfile, cumulative (profiled runs are slower than the wall time)",
                       ["function", "calls/req", "cum ms/req"], m["filas"]))
    if "serializada" in m:
        v = m["serializada"]
        print(f"code counter row held (upsert to end of COMMIT): p50 {v['p50']} ms, p95 "
              f"{v['p95']} ms → at most ~{1000 / v['p50']:.0f} reports/s however many cores")
    if m["ver_sql"]:
        for i, sql in enumerate(m["sql"], 1):
            print(f"  {i:2d}. {sql[:300]}")


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=100_000)
    parser.add_argument("--peticiones", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--solo", default="detalle_api,detalle_html,intake")
    parser.add_argument("--sql", action="store_true", help="print every statement of one request")
    parser.add_argument("--volcar", metavar="DIR",
                        help="also write each path's raw cProfile stats to DIR/<path>.prof")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each table out as soon as it is measured
    solo = set(args.solo.split(","))
    _bench_incidentes.asegurar_semilla(args.n, args.reset)
    meta = _comun.meta_leer(_bench_incidentes.CLAVE_META)
    entidades, reportantes, analistas = _bench_incidentes.semilla.personas()
    entidad, analista = entidades[0], analistas[0]
    reportante = reportantes[entidad.pk]
    pk, creados = _preparar_incidente(analista, reportante, entidad)
    token, clave = token_crear(usuario=reportante, nombre="bench perfiles", entidad=entidad,
                               actor=MARCA, alcance="escritura")
    resultados = {}
    try:
        personal, propio = Client(), Client()
        iniciar_sesion_verificada(personal, analista)
        propio.force_login(reportante, backend="cgii.entidades.backend.BackendUsuarios")
        for nombre, url in (("detalle_api", f"/api/v1/incidentes/{pk}/"),
                            ("detalle_html", f"/incidentes/{pk}/")):
            if nombre not in solo:
                continue
            for quien, cliente in (("staff", personal), ("entity", propio)):
                ruta = f"{nombre} ({quien})"
                resultados[ruta] = _medir(
                    lambda c=cliente, u=url: c.get(u), args.peticiones, args.top, args.sql,
                    _volcado(args.volcar, f"{nombre}_{quien}"))
                _imprimir(ruta, resultados[ruta])
        if "intake" in solo:
            detectado = (timezone.localtime() - timedelta(minutes=20)).isoformat()
            contador = iter(range(10**9))

            cliente = Client()

            def reportar():
                return cliente.post("/api/v1/incidentes/", {
                    "titulo": f"{MARCA} intake #{next(contador)}",
                    "descripcion": "Desde las 08:10 llegan correos que piden credenciales "
                                   "del SIGEP.",
                    "detectado_en": detectado}, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Token {clave}")

            resultados["intake"] = _medir(reportar, args.peticiones, args.top, args.sql,
                                          _volcado(args.volcar, "intake"))
            resultados["intake"]["serializada"] = _seccion_serializada(reportar,
                                                                       args.peticiones)
            _imprimir("intake", resultados["intake"])
        figuras = {"target_met": None}  # a profile: no target of its own
        for nombre, m in resultados.items():
            prefijo = nombre.replace(" (", "_").rstrip(")")
            figuras.update({f"{prefijo}_p50_ms": m["pared"]["p50"],
                            f"{prefijo}_p95_ms": m["pared"]["p95"],
                            f"{prefijo}_cpu_ms": m["cpu_ms"],
                            f"{prefijo}_consultas": len(m["sql"])})
        _comun.escribir_json(args.json, figuras)
    finally:
        token_revocar(token=token, actor=MARCA)
        borrados = _bench_incidentes.restaurar(meta)
        print(f"\nRemoved the {borrados:,} incidents this run created (seed untouched).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
