"""Issue 14: the web server survives a dead process. While clients loop requests against
``python -m cgii.servidor`` (gunicorn's master, uvicorn workers): ``kill -9`` of one worker,
then HUP (graceful reload), then TERM (graceful stop). How many requests failed, how long
until the replacement served, how slow the slowest request got.

    .venv/bin/python bench/servidor_caida.py [--procesos 2] [--clientes 4] [--json FILE]

Half the client threads open a new connection per request (as a reverse proxy without
keep-alive does), half keep one connection alive (``requests.Session``), so a request in flight
on the killed worker shows up as a failure of the keep-alive kind. See bench/README.md.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import _comun

_comun.preparar("cgii_bench_servidor")  # its own database (only migrated)

import _servidor  # noqa: E402
import requests  # noqa: E402

PAGINA = "/cuenta/ingresar/"  # public, rendered by Django, no session needed


@dataclass
class Peticion:
    inicio: float
    segundos: float
    ok: bool
    error: str = ""


@dataclass
class Cliente:
    url: str
    keepalive: bool
    peticiones: list[Peticion] = field(default_factory=list)

    def una(self, sesion) -> Peticion:
        inicio = time.monotonic()
        try:
            if sesion is not None:
                r = sesion.get(self.url, timeout=30)
                ok, error = r.status_code == 200, str(r.status_code)
            else:
                with urllib.request.urlopen(self.url, timeout=30) as r:
                    r.read()
                    ok, error = r.status == 200, str(r.status)
        except (OSError, requests.RequestException) as exc:
            ok, error = False, type(exc).__name__
        return Peticion(inicio, time.monotonic() - inicio, ok, "" if ok else error)

    def correr(self, parar: threading.Event) -> None:
        sesion = requests.Session() if self.keepalive else None
        while not parar.is_set():
            self.peticiones.append(self.una(sesion))


def _esperar(condicion, limite_s: float = 120, paso: float = 0.01):
    fin = time.monotonic() + limite_s
    while time.monotonic() < fin:
        valor = condicion()
        if valor:
            return valor
        time.sleep(paso)
    raise RuntimeError("condition not met in time")


def _sirviendo(servidor, pid: int) -> bool:
    return f"Started server process [{pid}]" in servidor.registro.read_text(errors="replace")


def _fase(clientes: list[Cliente], desde: float, hasta: float) -> dict:
    """Requests that *ended* in [desde, hasta): one in flight when a worker is killed
    belongs to the kill."""
    def dentro(p: Peticion) -> bool:
        return desde <= p.inicio + p.segundos < hasta

    todas = [p for c in clientes for p in c.peticiones if dentro(p)]
    fallos = [p for p in todas if not p.ok]
    por_tipo = {}
    for c in clientes:
        clave = "keep-alive" if c.keepalive else "new conn."
        por_tipo[clave] = por_tipo.get(clave, 0) + sum(
            1 for p in c.peticiones if dentro(p) and not p.ok)
    return {"peticiones": len(todas), "fallos": len(fallos),
            "fallos_por_tipo": por_tipo, "errores": sorted({p.error for p in fallos}),
            **({"ms": _comun.resumen_ms([p.segundos for p in todas])} if todas else {})}


def medir(args) -> dict:
    entorno = {**_comun.entorno(), "WEB_ACCESSLOG": ""}
    with _servidor.Servidor(entorno, procesos=args.procesos) as servidor:
        _esperar(lambda: len(servidor.hijos()) == args.procesos
                 and all(_sirviendo(servidor, p) for p in servidor.hijos()))
        print(f"server up at {servidor.url}, {args.procesos} workers (log: {servidor.registro})")
        url = servidor.url + PAGINA
        clientes = [Cliente(url, keepalive=i % 2 == 1) for i in range(args.clientes)]
        parar = threading.Event()
        hilos = [threading.Thread(target=c.correr, args=(parar,), daemon=True) for c in clientes]
        for h in hilos:
            h.start()
        r: dict = {}
        try:
            time.sleep(args.calma)

            # kill -9 of one worker.
            previos = set(servidor.hijos())
            victima = min(previos)
            t_kill = time.monotonic()
            os.kill(victima, signal.SIGKILL)
            nuevo = _esperar(lambda: next(
                (p for p in servidor.hijos() if p not in previos), None))
            t_pid = time.monotonic()
            _esperar(lambda: _sirviendo(servidor, nuevo))
            t_sirve = time.monotonic()
            r["kill_pid_s"], r["kill_sirve_s"] = t_pid - t_kill, t_sirve - t_kill
            time.sleep(args.calma)
            r["kill"] = _fase(clientes, t_kill, time.monotonic())

            # HUP: every worker replaced.
            viejos = set(servidor.hijos())
            t_hup = time.monotonic()
            servidor.proceso.send_signal(signal.SIGHUP)
            _esperar(lambda: (h := set(servidor.hijos())) and not h & viejos
                     and len(h) == args.procesos and all(_sirviendo(servidor, p) for p in h))
            r["hup_s"] = time.monotonic() - t_hup
            time.sleep(args.calma)
            r["hup"] = _fase(clientes, t_hup, time.monotonic())
            r["antes"] = _fase(clientes, 0, t_kill)
        finally:
            parar.set()
            for h in hilos:
                h.join(60)
        # TERM, with nothing in flight.
        t_term = time.monotonic()
        servidor.proceso.send_signal(signal.SIGTERM)
        r["term_codigo"] = servidor.proceso.wait(60)
        r["term_s"] = time.monotonic() - t_term
    return r


def main() -> None:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=0)
    parser.add_argument("--procesos", type=int, default=2)
    parser.add_argument("--clientes", type=int, default=4)
    parser.add_argument("--calma", type=float, default=5.0,
                        help="seconds of steady load before and after each event")
    args = parser.parse_args()
    carga = os.getloadavg()
    r = medir(args)

    def fila(nombre, f):
        ms = f.get("ms", {})
        tipos = ", ".join(f"{k} {v}" for k, v in f["fallos_por_tipo"].items())
        return [nombre, f["peticiones"], f"{f['fallos']} ({tipos})", ms.get("p50", "-"),
                ms.get("p95", "-"), ms.get("max", "-")]

    print()
    print(_comun.tabla(
        f"Supervised server — {args.procesos} uvicorn workers under gunicorn, {args.clientes} "
        f"client threads looping GET {PAGINA} (half new connection per request, half keep-alive)",
        ["phase", "requests", "failed", "p50 ms", "p95 ms", "max ms"], [
            fila("steady load before", r["antes"]),
            fila(f"kill -9 of one worker (+{args.calma:g} s)", r["kill"]),
            fila(f"HUP: every worker replaced (+{args.calma:g} s)", r["hup"]),
        ]))
    for nombre in ("antes", "kill", "hup"):
        if r[nombre]["errores"]:
            print(f"{nombre}: errors {', '.join(r[nombre]['errores'])}")
    print(f"kill -9 → replacement pid forked {r['kill_pid_s']:.2f} s, serving "
          f"{r['kill_sirve_s']:.2f} s; HUP → all new workers serving {r['hup_s']:.2f} s; "
          f"TERM → master exited ({r['term_codigo']}) {r['term_s']:.2f} s")
    print(f"load average before {carga[0]:.2f}, after {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    _comun.escribir_json(args.json, {
        "procesos": args.procesos, "clientes": args.clientes,
        "kill_fallos": r["kill"]["fallos"], "kill_peticiones": r["kill"]["peticiones"],
        "kill_pid_s": round(r["kill_pid_s"], 3), "kill_sirve_s": round(r["kill_sirve_s"], 3),
        "kill_max_ms": r["kill"].get("ms", {}).get("max"),
        "hup_fallos": r["hup"]["fallos"], "hup_peticiones": r["hup"]["peticiones"],
        "hup_s": round(r["hup_s"], 3), "hup_max_ms": r["hup"].get("ms", {}).get("max"),
        "term_s": round(r["term_s"], 3), "term_codigo": r["term_codigo"],
        "target_met": r["hup"]["fallos"] == 0 and r["term_codigo"] == 0,
    })


if __name__ == "__main__":
    main()
