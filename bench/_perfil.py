"""cProfile of repeated in-process requests, as a table of the entries that say where the
time goes (bench/perfiles.py, bench/consola.py). Imports no Django: each script prepares its
own database first."""

from __future__ import annotations

import cProfile
import io
import pstats

from _comun import RAIZ

# The project's own code, and the framework entries that say where time goes (SQL, template
# rendering, DRF serialisation, JSON); the middleware wrappers only repeat the request's total.
_PROYECTO = ("/cgii/", "/incidentes/", "/protocolos/", "/planes_seguridad/")
_MARCO = ("execute", "render", "render_to_string", "data", "to_representation",
          "authenticate", "dumps", "loads", "getconn", "putconn", "_fetch_all")


def interesa(archivo: str, funcion: str) -> bool:
    if "/bench/" in archivo or "middleware" in archivo:
        return False
    if any(p in archivo for p in _PROYECTO) and "site-packages" not in archivo:
        return True
    return funcion in _MARCO


def corto(archivo: str, linea: int, funcion: str) -> str:
    for raiz in ("site-packages/", str(RAIZ) + "/"):
        if raiz in archivo:
            archivo = archivo.split(raiz, 1)[1]
    if archivo == "~":
        return funcion[:90]
    return f"{archivo}:{linea}({funcion})"[:90]


def perfilar(una, n: int, top: int, volcar: str | None = None) -> list[list[str]]:
    """``una()`` ``n`` times under cProfile: [function, calls/request, cumulative ms/request]
    of the ``top`` entries by cumulative time. The default (wall) timer: a CPU-time timer is
    a system call per function event and made a run ten times slower; on a loaded machine
    read the shares."""
    perfil = cProfile.Profile()
    perfil.enable()
    for _ in range(n):
        una()
    perfil.disable()
    if volcar:  # the raw profile, for pstats (e.g. sorted by internal time)
        perfil.dump_stats(volcar)
    stats = pstats.Stats(perfil, stream=io.StringIO())
    filas = []
    for (archivo, linea, funcion), (_cc, nc, _tt, ct, _c) in sorted(
            stats.stats.items(), key=lambda kv: -kv[1][3]):
        if interesa(archivo, funcion) and len(filas) < top:
            filas.append([corto(archivo, linea, funcion), f"{nc / n:.1f}",
                          f"{1000 * ct / n:.2f}"])
    return filas
