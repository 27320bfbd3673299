"""Every benchmark, one after the other (``make bench``).

    .venv/bin/python bench/todos.py [--rapido] [--solo a,b] [--saltar a,b]
                                    [--carga-max 0.5] [--esperar-calma SEG]

First checks that the machine is quiet (1-minute load average below ``--carga-max``, no
PostgreSQL session of anything else on the shared server) and says so in the summary when it
is not (``--esperar-calma`` waits up to that many seconds for it first). Then runs each bench
script with ``--json`` into ``bench/resultados/<fecha>/<bench>.json`` (its output also goes to
``<bench>.log`` there; the directory is git-ignored), sampling the load average and the other
PostgreSQL sessions while it runs, and prints one table: figure, value, target, verdict, load
during the run. Targets are read from each script's ``OBJETIVO_*`` constants, so they never
drift from the bench's own; each bench's overall verdict is its JSON's ``target_met``.

``--rapido`` runs every bench at a tiny size, on databases of their own (``CGII_BENCH_SUFIJO
=_rapido``, so the full-size seeds are kept), into ``bench/resultados/<fecha>-rapido/``: it
checks that the chain works (a few minutes), its figures mean nothing. Exit status 1 when a
bench failed (non-zero exit or no JSON), whatever the verdicts.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import _comun

DIR = Path(__file__).resolve().parent
RESULTADOS = DIR / "resultados"


@dataclass(frozen=True)
class Figura:
    """One row of the summary: ``clave`` in the bench's JSON (with ``patron``, a regular
    expression: the figure sums, takes the largest of, or (booleans) requires all of the
    matching keys); ``objetivo`` is (constant of the script or a literal, comparison) —
    e.g. ("OBJETIVO_P95_MS", "<"), (0, "=="), (True, "==")."""

    clave: str
    nombre: str
    unidad: str = ""
    objetivo: tuple[object, str] | None = None
    escala: float = 1.0  # the constant's unit → the JSON's (s → ms: 1000)
    patron: bool = False
    agregado: str = "suma"  # with patron: "suma", "max" or "todos"


@dataclass(frozen=True)
class Bench:
    nombre: str
    figuras: tuple[Figura, ...]
    rapido: tuple[str, ...] = ()
    siembra: tuple[str, ...] = ()  # JSON keys with seconds spent seeding in this run
    nota: str = ""


P95 = ("OBJETIVO_P95_MS", "<")
SI = (True, "==")
CERO = (0, "==")

BENCHES = (
    Bench("sla_sweep", (
        Figura("listado_p95_ms", "due-clock listing query p95", "ms", P95),
        Figura("usa_indice", "plan uses reloj_proximo_umbral", "", SI),
        Figura("sin_indice_p50_ms", "same query, index scans off, p50", "ms"),
        Figura("barrido_segundos", "one real sla_barrer", "s"),
    ), rapido=("--n", "300", "--runs", "5"), siembra=("siembra_segundos",)),
    Bench("incidentes", (
        Figura("lista_p95_ms", "(a) list by SLA urgency p95", "ms", P95),
        Figura("filtrada_p95_ms", "(b) filtered list p95", "ms", P95),
        Figura("detalle_p95_ms", "(c) detail p95", "ms", P95),
        Figura("detalle_nuevo_p95_ms", "(c2) detail of a new report p95", "ms", P95),
        Figura("intake_concurrente_por_segundo", "(d2) concurrent intake", "reports/s",
               ("OBJETIVO_REPORTES_S", ">=")),
        Figura("intake_secuencial_por_segundo", "(d1) sequential intake", "reports/s"),
        Figura("intake_[a-z]+_sin_huecos", "every intake answer 201, codes gap-free", "",
               SI, patron=True, agregado="todos"),
    ), rapido=("--n", "500", "--requests", "10", "--secuenciales", "20", "--clientes", "2",
               "--por-cliente", "10", "--procesos", "2"), siembra=("siembra_segundos",)),
    Bench("reportes", (
        Figura("nacional_html_s", "national PISI report, HTML page", "s",
               ("OBJETIVO_HTML_S", "<")),
        Figura("nacional_pdf_s", "national PISI report, PDF", "s", ("OBJETIVO_PDF_S", "<")),
        Figura("gestion_html_s", "incident management report, HTML page", "s",
               ("OBJETIVO_HTML_S", "<")),
        Figura("gestion_pdf_s", "incident management report, PDF", "s",
               ("OBJETIVO_PDF_S", "<")),
        Figura("cumplimiento_pdf_s", "entity compliance report, PDF", "s"),
    ), rapido=("--n", "300", "--entidades", "40", "--runs", "1"),
        siembra=("siembra_incidentes_s", "siembra_pisi_s")),
    Bench("triaje", (
        Figura("lote_p95_ms", "(a) bulk action on 200 incidents, slowest action p95", "ms",
               P95),
        Figura("cuentas_p95_ms", "(b) live saved-view counts p95", "ms",
               ("OBJETIVO_CUENTAS_P95_MS", "<")),
        Figura("lote_prioridad_consultas", "(a) SQL of one 200-row priority request", ""),
    ), rapido=("--n", "3000", "--seleccion", "50", "--runs", "3", "--requests", "10"),
        siembra=("siembra_segundos",)),
    Bench("busqueda", tuple(
        Figura(f"postgresql.{caso}.{quien}.p95", f"search {caso} ({quien}) p95", "ms", P95)
        for caso in ("frase", "ioc", "facetas") for quien in ("personal", "entidad")),
        rapido=("--n", "300", "--indicadores", "3000", "--requests", "10")),
    Bench("stix", (
        Figura("ratio_rebanada", "our import vs stix2.parse (slice)", "x",
               ("OBJETIVO_RATIO", ">=")),
        Figura("importacion_total_s", "whole bundle import", "s",
               ("OBJETIVO_IMPORTACION_S", "<")),
        Figura("busqueda_10k_personal_ms", "10,000-value lookup (analyst)", "ms",
               ("OBJETIVO_BUSQUEDA_S", "<"), escala=1000),
        Figura("busqueda_10k_entidad_ms", "10,000-value lookup (entity user)", "ms",
               ("OBJETIVO_BUSQUEDA_S", "<"), escala=1000),
    ), rapido=("--n", "2000", "--semilla", "20000", "--rebanada", "500",
               "--repeticiones", "1"), siembra=("siembra_s",)),
    Bench("fuentes", (
        Figura("eventos_por_segundo", "IntelMQ events routed + aggregated, end to end",
               "events/s", ("OBJETIVO_EVENTOS_S", ">=")),
        Figura("tabla_p95_ms", "entity's host table p95 (100,000 hosts)", "ms", P95),
        Figura("ingesta_por_segundo", "intake alone (validate, route, dedup, count)",
               "events/s"),
        Figura("busquedas_por_segundo", "IP -> entity, one query each", "/s"),
        Figura("ruteo_lote_filas_por_segundo", "IP -> entity, batch routing", "rows/s"),
    ), rapido=("--n", "20000", "--grande", "5000", "--consultas", "5"),
        siembra=("siembra_s",)),
    Bench("websocket_fanout", (
        Figura("latencia_p95_ms", "commit → client receipt p95", "ms", P95),
        Figura("entrega_exacta", "every client got exactly its events", "", SI),
        Figura("latencia_max_ms", "commit → client receipt max", "ms"),
    ), rapido=("--n", "20", "--personal", "5", "--entidades", "3", "--tasa", "5",
               "--duracion", "3", "--calentamiento", "1", "--procesos", "1")),
    Bench("idempotencia", (
        Figura("a_1_p50_ms", "(a) report without a key p50, 1 client", "ms"),
        Figura("b_1_p50_ms", "(b) report with a fresh key p50, 1 client", "ms"),
        Figura("c_1_p50_ms", "(c) replay p50, 1 client", "ms"),
    ), rapido=("--n", "20", "--clientes", "2", "--procesos", "1"),
        nota="no target: what a key costs (docs/api.md)"),
    Bench("correo", (
        Figura("mensajes_por_segundo", "e-mails fetched (IMAP/TLS) and processed per second",
               "msg/s", ("OBJETIVO_MENSAJES_S", ">=")),
        Figura("perdidos", "e-mails lost", "", CERO),
        Figura("duplicados", "e-mails processed twice", "", CERO),
    ), rapido=("--n", "50"), nota="private Dovecot of its own"),
    Bench("servidor_caida", (
        Figura("hup_fallos", "failed requests during HUP", "", CERO),
        Figura("term_codigo", "TERM exit status", "", CERO),
        Figura("kill_fallos", "failed requests, kill -9 (in flight: reported)", ""),
        Figura("kill_sirve_s", "kill -9 → replacement serving", "s"),
    ), rapido=("--calma", "1", "--clientes", "2")),
    Bench("fallas", (
        # Scenario names have no underscore: "[a-z]+_duplicados" is not "x_eventos_duplicados".
        Figura("[a-z]+_eventos_faltantes", "live events missing, all scenarios", "", CERO,
               patron=True),
        Figura("[a-z]+_almacenados_rechazados", "reports stored but refused", "", CERO,
               patron=True),
        Figura("[a-z]+_duplicados", "reports stored twice", "", CERO, patron=True),
        Figura("[a-z]+_eventos_ajenos", "events of a group not joined", "", CERO, patron=True),
        Figura("[a-z]+_recuperacion_s", "slowest recovery after a fault", "s", patron=True,
               agregado="max"),
    ), rapido=("--escenarios", "base,web", "--duracion", "8", "--antes", "3",
               "--asentar", "60", "--procesos", "2", "--informantes", "2"),
        nota="private PostgreSQL, Redis and search cluster of its own"),
    Bench("listas", (
        Figura("a_p95_ms", "100k: API list, first page p95", "ms", ("OBJETIVO_API_P95_MS", "<=")),
        Figura("a_consultas", "100k: API list SQL", "", ("OBJETIVO_API_CONSULTAS", "<=")),
        Figura("c_p95_ms", "100k: API list half-way down (cursor) p95", "ms",
               ("OBJETIVO_API_P95_MS", "<=")),
        Figura("h_p95_ms", "100k: HTML list, staff p95", "ms", ("OBJETIVO_HTML_P95_MS", "<=")),
        Figura("j_p95_ms", "100k: console, staff p95", "ms", ("OBJETIVO_HTML_P95_MS", "<=")),
    ), rapido=("--n", "2000", "--requests", "5"), siembra=("siembra_segundos",)),
    Bench("perfiles", (
        Figura("detalle_api_staff_cpu_ms", "detail API, staff: CPU per request", "ms"),
        Figura("detalle_html_staff_cpu_ms", "detail page, staff: CPU per request", "ms"),
        Figura("intake_cpu_ms", "intake: CPU per request", "ms"),
    ), rapido=("--n", "2000", "--peticiones", "5"),
        nota="no target: a profile (docs/perfiles.md)"),
    Bench("particiones", (
        Figura("partitioned_p95_ms", "timeline of one incident, 10 yearly partitions, p95", "ms",
               P95),
        Figura("plain_table_p95_ms", "same rows, one plain table, p95", "ms"),
        Figura("partitioned_creado_incident_p95_ms", "partitioned, pruned by creation, p95", "ms"),
    ), rapido=("--n", "2000", "--consultas", "200"), siembra=("siembra_segundos",)),
    Bench("escala", (
        Figura("lista_primera_personal_p95_ms", "1M: API list, staff, first page p95", "ms",
               ("OBJETIVO_LISTA_P95_MS", "<=")),
        Figura("lista_primera_personal_consultas", "1M: API list SQL", "",
               ("OBJETIVO_LISTA_CONSULTAS", "<=")),
        Figura("lista_siguientes_personal_p95_ms", "1M: API list, staff, next pages p95", "ms",
               ("OBJETIVO_LISTA_P95_MS", "<=")),
        Figura("lista_primera_entidad_p95_ms", "1M: API list, entity user p95", "ms",
               ("OBJETIVO_LISTA_P95_MS", "<=")),
        Figura("plano_[a-z]+_met", "API list flat from 100k to 1M", "", SI, patron=True,
               agregado="todos"),
        Figura("pagina_lista_personal_p95_ms", "1M: HTML incident list p95", "ms",
               ("OBJETIVO_PAGINAS_P95_MS", "<=")),
        Figura("pagina_consola_personal_p95_ms", "1M: HTML console p95", "ms",
               ("OBJETIVO_PAGINAS_P95_MS", "<=")),
        Figura("detalle_api_p95_ms", "1M: incident detail, API p95", "ms",
               ("OBJETIVO_DETALLE_P95_MS", "<=")),
        Figura("detalle_api_consultas", "1M: incident detail, API SQL", "",
               ("OBJETIVO_DETALLE_CONSULTAS", "<=")),
        Figura("detalle_pagina_p95_ms", "1M: incident detail, page p95", "ms",
               ("OBJETIVO_DETALLE_P95_MS", "<=")),
        Figura("intake_por_segundo", "1M: intake, 4 clients", "reports/s",
               ("OBJETIVO_REPORTES_S", ">=")),
        Figura("busqueda_personal_p95_ms", "11M docs: text search, staff p95", "ms",
               ("OBJETIVO_BUSQUEDA_P95_MS", "<=")),
        Figura("busqueda_entidad_p95_ms", "11M docs: text search, entity user p95", "ms",
               ("OBJETIVO_BUSQUEDA_P95_MS", "<=")),
        Figura("ioc_personal_ms", "10,000-value IOC lookup vs 10M", "ms",
               ("OBJETIVO_IOC_S", "<"), escala=1000),
        Figura("stix_ratio", "STIX import vs stix2.parse", "x", ("OBJETIVO_STIX_RATIO", ">=")),
        Figura("rss_rss_max_mib", "web worker RSS after 10,000 GETs", "MiB",
               ("OBJETIVO_RSS_MIB", "<=")),
    ), rapido=("--incidentes", "3000", "--indicadores", "30000", "--requests", "10",
               "--rss-peticiones", "300", "--clientes", "2", "--por-cliente", "10"),
        siembra=("siembra_s",), nota="issue 22: 1M incidents + 10M indicators"),
)


# ---- targets from the scripts themselves -------------------------------------------------------

def constantes(nombre: str) -> dict[str, object]:
    """The module-level ``OBJETIVO_* = <literal>`` of bench/<nombre>.py, without importing it
    (importing a bench sets Django up on its database)."""
    arbol = ast.parse((DIR / f"{nombre}.py").read_text(encoding="utf-8"))
    salida = {}
    for nodo in arbol.body:
        if isinstance(nodo, ast.Assign):
            for destino in nodo.targets:
                if isinstance(destino, ast.Name) and destino.id.startswith("OBJETIVO_"):
                    salida[destino.id] = ast.literal_eval(nodo.value)
    return salida


def _valor(figura: Figura, datos: dict):
    if not figura.patron:
        return datos.get(figura.clave)
    # None: a scenario without that figure (the baseline has no recovery time).
    valores = [v for k, v in datos.items() if re.fullmatch(figura.clave, k) and v is not None]
    if not valores:
        return None
    if figura.agregado == "todos":
        return all(valores)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in valores):
        return None
    return max(valores) if figura.agregado == "max" else sum(valores)


def _texto(valor, unidad: str) -> str:
    if valor is None:
        return "–"
    if isinstance(valor, bool):
        return "yes" if valor else "no"
    if isinstance(valor, float):
        cifra = f"{valor:,.3f}" if unidad == "s" else f"{valor:,.1f}"
    else:
        cifra = f"{valor:,}" if isinstance(valor, int) else str(valor)
    return f"{cifra} {unidad}".strip() if unidad != "x" else f"{cifra}x"


def veredicto(figura: Figura, datos: dict, objetivos: dict) -> tuple[str, str, str]:
    """(value, target, verdict) of one figure."""
    valor = _valor(figura, datos)
    if figura.objetivo is None:
        return _texto(valor, figura.unidad), "–", "–"
    limite, comparacion = figura.objetivo
    if isinstance(limite, str):
        if limite not in objetivos:
            return _texto(valor, figura.unidad), f"{limite}?", "no target constant"
        limite = objetivos[limite] * figura.escala
    if isinstance(limite, bool):
        meta = "yes" if limite else "no"
    else:
        unidad = f"{limite:g}x" if figura.unidad == "x" else f"{limite:g} {figura.unidad}"
        meta = f"{'' if comparacion == '==' else comparacion + ' '}{unidad.strip()}"
    if valor is None:
        return "–", meta, "NOT MEASURED"
    ok = {"<": lambda: valor < limite, "<=": lambda: valor <= limite,
          ">=": lambda: valor >= limite, "==": lambda: valor == limite}[comparacion]()
    return _texto(valor, figura.unidad), meta, "MET" if ok else "NOT MET"


# ---- the machine ----------------------------------------------------------------------------

def _conexion_pg():
    import psycopg

    return psycopg.connect(f"{_comun.SERVIDOR_PG}/postgres", autocommit=True, connect_timeout=5)


def otras_sesiones(conexion, excluir_bench: bool) -> list[tuple[str, str]]:
    """(database, state) of every other client session on the shared PostgreSQL server;
    with ``excluir_bench``, not those of the benches' own databases."""
    filas = conexion.execute(
        "SELECT coalesce(datname, ''), coalesce(state, '') FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()").fetchall()
    return [f for f in filas if not (excluir_bench and "bench" in f[0])]


@dataclass
class Calma:
    carga: tuple[float, float, float]
    sesiones: list[tuple[str, str]] | None  # None: the server could not be asked
    limite: float

    @property
    def quieta(self) -> bool:
        return self.carga[0] < self.limite and self.sesiones == []

    def texto(self) -> str:
        c = self.carga
        if self.sesiones is None:
            pg = "PostgreSQL not reachable"
        else:
            bases = sorted({b or "?" for b, _ in self.sesiones})
            activas = sum(1 for _, e in self.sesiones if e == "active")
            pg = (f"{len(self.sesiones)} other PostgreSQL session(s), {activas} active"
                  + (f" ({', '.join(bases[:6])}{'…' if len(bases) > 6 else ''})"
                     if bases else ""))
        return (f"load average {c[0]:.2f} / {c[1]:.2f} / {c[2]:.2f} on {os.cpu_count()} "
                f"cores, {pg} → {'quiet' if self.quieta else 'NOT QUIET'}"
                f" (quiet: 1-min load < {self.limite:g} and no other session)")


def medir_calma(limite: float) -> Calma:
    try:
        with _conexion_pg() as conexion:
            sesiones = otras_sesiones(conexion, excluir_bench=False)
    except Exception:  # noqa: BLE001 - reported as "not reachable"; the benches will say more
        sesiones = None
    return Calma(os.getloadavg(), sesiones, limite)


class Muestreo:
    """Load average and other PostgreSQL sessions, every ``cada`` s while a bench runs."""

    def __init__(self, cada: float = 3.0):
        self.cada = cada
        self.cargas: list[float] = []
        self.sesiones_max = 0
        self._parar = threading.Event()
        self._hilo = threading.Thread(target=self._correr, daemon=True)

    def __enter__(self) -> Muestreo:
        self._hilo.start()
        return self

    def __exit__(self, *_):
        self._parar.set()
        self._hilo.join(10)

    def _correr(self) -> None:
        try:
            conexion = _conexion_pg()
        except Exception:  # noqa: BLE001 - load only
            conexion = None
        try:
            while True:
                self.cargas.append(os.getloadavg()[0])
                if conexion is not None:
                    try:
                        self.sesiones_max = max(self.sesiones_max,
                                                len(otras_sesiones(conexion, True)))
                    except Exception:  # noqa: BLE001 - lost the connection: load only
                        conexion = None
                if self._parar.wait(self.cada):
                    return
        finally:
            if conexion is not None:
                conexion.close()

    def texto(self) -> str:
        if not self.cargas:
            return "–"
        media = sum(self.cargas) / len(self.cargas)
        return f"{media:.2f} / {max(self.cargas):.2f}"


# ---- running ----------------------------------------------------------------------------------

@dataclass
class Corrida:
    bench: Bench
    codigo: int | None = None
    segundos: float = 0.0
    carga: str = "–"
    carga_media: float | None = None
    sesiones_max: int = 0
    datos: dict = field(default_factory=dict)
    json: Path | None = None
    log: Path | None = None
    interrumpida: bool = False

    @property
    def fallo(self) -> str | None:
        if self.interrumpida and (self.codigo != 0 or not self.datos):
            return f"INTERRUPTED (exit {self.codigo})"
        if self.codigo is None:
            return "not run"
        if self.codigo != 0:
            return f"FAILED (exit {self.codigo})"
        if not self.datos:
            return "FAILED (no JSON)"
        return None


def _terminar(_signum, _frame):
    """SIGTERM: stop as on Ctrl-C (the running bench gets one SIGINT, below)."""
    raise KeyboardInterrupt


def correr(bench: Bench, carpeta: Path, rapido: bool, entorno: dict) -> Corrida:
    corrida = Corrida(bench, json=carpeta / f"{bench.nombre}.json",
                      log=carpeta / f"{bench.nombre}.log")
    corrida.json.unlink(missing_ok=True)  # never read a JSON an earlier run left
    orden = [sys.executable, "-u", str(DIR / f"{bench.nombre}.py"), "--json",
             str(corrida.json), *(bench.rapido if rapido else ())]
    print(f"\n===== {bench.nombre}: {' '.join(orden[2:])}", flush=True)
    inicio = time.monotonic()
    with open(corrida.log, "wb") as log, Muestreo() as muestreo:
        log.write((" ".join(orden) + "\n").encode())
        # A session of its own: a Ctrl-C in the terminal reaches only this process, which
        # passes exactly one SIGINT on — every bench stops its servers and workers on
        # KeyboardInterrupt; a second one could cut that clean-up short.
        hijo = subprocess.Popen(orden, cwd=_comun.RAIZ, env=entorno, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        def copiar():
            # Raw chunks, so progress lines ending in \r still show as they come.
            while trozo := os.read(hijo.stdout.fileno(), 65536):
                sys.stdout.buffer.write(trozo)
                sys.stdout.buffer.flush()
                log.write(trozo)

        try:
            copiar()
            corrida.codigo = hijo.wait()
        except KeyboardInterrupt:
            corrida.interrumpida = True
            if hijo.poll() is None:
                hijo.send_signal(signal.SIGINT)
            try:
                hijo.wait(120)
            except subprocess.TimeoutExpired:
                hijo.kill()
                hijo.wait()
            copiar()  # what it said while stopping
            corrida.codigo = hijo.returncode
        finally:
            corrida.segundos = time.monotonic() - inicio
            corrida.carga = muestreo.texto()
            corrida.carga_media = (sum(muestreo.cargas) / len(muestreo.cargas)
                                   if muestreo.cargas else None)
            corrida.sesiones_max = muestreo.sesiones_max
    if corrida.json.exists():
        corrida.datos = json.loads(corrida.json.read_text(encoding="utf-8"))
    return corrida


# ---- the summary ------------------------------------------------------------------------------

def _minutos(segundos: float) -> str:
    return f"{int(segundos // 60)} min {segundos % 60:02.0f} s" if segundos >= 60 \
        else f"{segundos:.0f} s"


def filas_resumen(corridas: list[Corrida]) -> list[list[str]]:
    """The bench's own verdict (target_met) and its load on its first row, then its
    figures."""
    filas = []
    for c in corridas:
        b = c.bench
        carga = c.carga + ("*" if c.sesiones_max else "")
        if c.fallo:
            filas.append([b.nombre, "—", c.fallo, "", "", carga])
            continue
        objetivos = constantes(b.nombre)
        meta = c.datos.get("target_met")
        filas.append([b.nombre, "all targets (its target_met)",
                      "–" if meta is None else ("yes" if meta else "no"),
                      "none" if meta is None else "",
                      "–" if meta is None else ("MET" if meta else "NOT MET"), carga])
        for f in b.figuras:
            filas.append(["", f.nombre, *veredicto(f, c.datos, objetivos), ""])
        for clave, valor in c.datos.items():
            if clave.endswith("_error"):
                filas.append(["", clave, str(valor)[:60], "", "ERROR", ""])
    return filas


def tabla(titulo: str, encabezados: list[str], filas: list[list], derecha: set[int]) -> str:
    """Plain text; the columns in ``derecha`` right-aligned (figures), the rest left."""
    textos = [[str(x) for x in fila] for fila in [encabezados, *filas]]
    anchos = [max(len(f[i]) for f in textos) for i in range(len(encabezados))]

    def linea(celdas):
        return "  ".join(x.rjust(anchos[i]) if i in derecha else x.ljust(anchos[i])
                         for i, x in enumerate(celdas)).rstrip()

    separador = "  ".join("-" * a for a in anchos)
    return "\n".join([titulo, separador, linea(textos[0]), separador,
                      *(linea(f) for f in textos[1:]), separador])


def resumen(corridas: list[Corrida], calma: Calma, carpeta: Path, rapido: bool) -> str:
    partes = []
    titulo = ("Benchmarks" + (" — QUICK RUN (--rapido: tiny sizes, figures meaningless)"
                              if rapido else "")
              + f" — {datetime.now():%Y-%m-%d %H:%M}; machine at start: {calma.texto()}")
    partes.append(tabla(titulo, ["bench", "figure", "value", "target", "verdict",
                                 "load during (1-min mean / max)"], filas_resumen(corridas),
                        derecha={2, 5}))
    notas = [f"{c.bench.nombre}: {c.bench.nota}" for c in corridas if c.bench.nota]
    if notas:
        partes.append("\n".join(notas))
    if not calma.quieta:
        partes.append("The machine was NOT quiet at the start: figures may be slower than on "
                      "an idle machine; rerun when it is (--esperar-calma).")
    if any(c.sesiones_max for c in corridas):
        partes.append("* other PostgreSQL sessions (not a bench database) seen during that "
                      "bench.")
    runs = []
    for c in corridas:
        siembra = [c.datos.get(k) for k in c.bench.siembra]
        siembra_s = sum(s for s in siembra if s) if any(siembra) else None
        runs.append([c.bench.nombre, "–" if c.codigo is None else c.codigo,
                     _minutos(c.segundos), "reused" if c.bench.siembra and siembra_s is None
                     and not c.fallo else ("–" if siembra_s is None else _minutos(siembra_s)),
                     c.carga, c.sesiones_max, c.json.name if c.datos else "–"])
    partes.append(tabla(f"Runs (JSON and logs in {carpeta})",
                        ["bench", "exit", "wall", "of which seeding", "load mean / max",
                         "other PG sessions (max)", "JSON"], runs, derecha={1, 2, 3, 4, 5}))
    return "\n\n".join(partes)


def main() -> int:
    nombres = [b.nombre for b in BENCHES]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rapido", action="store_true",
                        help="tiny sizes on *_rapido databases: checks the chain, not figures")
    parser.add_argument("--solo", help=f"comma-separated subset of: {','.join(nombres)}")
    parser.add_argument("--saltar", help="comma-separated benches to leave out")
    parser.add_argument("--carga-max", type=float, default=0.5,
                        help="1-min load average below which the machine counts as quiet")
    parser.add_argument("--esperar-calma", type=float, default=0, metavar="SEG",
                        help="wait up to SEG seconds for a quiet machine before starting")
    args = parser.parse_args()
    elegidos = set(args.solo.split(",")) if args.solo else set(nombres)
    elegidos -= set(args.saltar.split(",")) if args.saltar else set()
    desconocidos = elegidos - set(nombres)
    if desconocidos:
        parser.error(f"unknown benches: {', '.join(sorted(desconocidos))}")

    calma = medir_calma(args.carga_max)
    limite = time.monotonic() + args.esperar_calma
    while not calma.quieta and time.monotonic() < limite:
        print(f"waiting for a quiet machine: {calma.texto()}", flush=True)
        time.sleep(15)
        calma = medir_calma(args.carga_max)
    print(f"Machine: {calma.texto()}", flush=True)
    if os.environ.get("DATABASE_URL"):
        print(f"DATABASE_URL is set: every bench uses that one database "
              f"({os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}) instead of its own.")

    carpeta = RESULTADOS / (f"{datetime.now():%Y-%m-%d}" + ("-rapido" if args.rapido else ""))
    carpeta.mkdir(parents=True, exist_ok=True)
    entorno = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if args.rapido:
        entorno.setdefault("CGII_BENCH_SUFIJO", "_rapido")
    signal.signal(signal.SIGTERM, _terminar)
    corridas: list[Corrida] = []
    interrumpido = False
    try:
        for bench in BENCHES:
            if bench.nombre in elegidos:
                corridas.append(correr(bench, carpeta, args.rapido, entorno))
                if corridas[-1].interrumpida:
                    interrumpido = True
                    break
    except KeyboardInterrupt:  # between two benches
        interrumpido = True
    texto = resumen(corridas, calma, carpeta, args.rapido)
    print("\n" + texto)
    (carpeta / "resumen.txt").write_text(texto + "\n", encoding="utf-8")
    (carpeta / "resumen.json").write_text(json.dumps({
        "inicio_calma": calma.texto(), "quieta": calma.quieta, "rapido": args.rapido,
        "corridas": [{"bench": c.bench.nombre, "codigo": c.codigo,
                      "segundos": round(c.segundos, 1), "carga_media": c.carga_media,
                      "carga": c.carga, "otras_sesiones_max": c.sesiones_max,
                      "target_met": c.datos.get("target_met")} for c in corridas],
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if interrumpido:
        return 130
    return 1 if any(c.fallo for c in corridas) else 0


if __name__ == "__main__":
    sys.exit(main())
