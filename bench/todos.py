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
from _catalogo import BENCHES, Bench, Figura

DIR = Path(__file__).resolve().parent
RESULTADOS = DIR / "resultados"



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
