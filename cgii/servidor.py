"""Serve the ASGI app with N supervised processes: gunicorn's master with uvicorn workers.

Django runs each request's synchronous code in one Python process under the GIL, so one
process uses about one core; the default is two processes per core. gunicorn's master binds
the socket, forks the workers (``cgii/trabajador_uvicorn.py``) and replaces any that dies
while the others keep serving; HUP reloads gracefully, TERM stops gracefully
(``cgii/gunicorn_conf.py``). Websockets work across processes because events reach every
process through the Redis channel layer — in the embedded profile (in-memory layer, no
REDIS_URL) the default is one process.

    python -m cgii.servidor --procesos 2 --host 127.0.0.1 --puerto 8000

This process becomes the gunicorn master (exec): its pid is the one to signal.
"""

import argparse
import os
import sys
from pathlib import Path

CONFIGURACION = Path(__file__).with_name("gunicorn_conf.py")


def procesos_por_defecto() -> int:
    """Two per core: a keep-alive connection stays with the process that accepted it, so
    with one per core a few busy clients can pile onto one process while another idles
    (docs/architecture.md, "Serving HTTP under ASGI"). One without Redis: the in-memory
    channel layer does not cross processes."""
    if not os.environ.get("REDIS_URL"):
        return 1
    return 2 * (os.cpu_count() or 1)


def orden_gunicorn(procesos: int, host: str, puerto: int, proxy_headers: bool) -> list[str]:
    direccion = f"[{host}]:{puerto}" if ":" in host else f"{host}:{puerto}"
    orden = [sys.executable, "-m", "gunicorn", "--config", str(CONFIGURACION),
             "--bind", direccion, "--workers", str(max(procesos, 1))]
    if proxy_headers:
        # As daphne's --proxy-headers: trust X-Forwarded-* from any peer, unless
        # FORWARDED_ALLOW_IPS names the proxies (the web port should only be reachable
        # through them).
        orden += ["--worker-class", "cgii.trabajador_uvicorn.TrabajadorUvicornProxy",
                  "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "*")]
    else:
        orden += ["--worker-class", "cgii.trabajador_uvicorn.TrabajadorUvicorn"]
    return [*orden, "cgii.asgi:application"]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--procesos", type=int, default=procesos_por_defecto())
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--puerto", type=int, default=8000)
    p.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-For/-Proto from the reverse proxy "
                        "(from FORWARDED_ALLOW_IPS, default any)")
    args = p.parse_args(argv)
    orden = orden_gunicorn(args.procesos, args.host, args.puerto, args.proxy_headers)
    sys.stdout.flush()
    os.execv(orden[0], orden)


if __name__ == "__main__":
    main()
