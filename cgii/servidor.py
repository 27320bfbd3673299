"""Serve the ASGI app with N daphne processes sharing one listening socket.

Django runs each request's synchronous code in one Python process under the GIL, so a
single daphne uses about one core; the default is two processes per core. This launcher binds the socket once and starts N daphne
children on it (``--fd``); the kernel spreads connections between them. Websockets work
across processes because events reach every process through the Redis channel layer — in
the embedded profile (in-memory layer) use one process.

    python -m cgii.servidor --procesos 2 --host 127.0.0.1 --puerto 8000
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DAPHNE = Path(sys.executable).with_name("daphne")


def procesos_por_defecto() -> int:
    """Two per core: a keep-alive connection stays with the process that accepted it, so
    with one per core a few busy clients can pile onto one process while another idles
    (docs/architecture.md, "Serving HTTP under ASGI")."""
    return 2 * (os.cpu_count() or 1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--procesos", type=int, default=procesos_por_defecto())
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--puerto", type=int, default=8000)
    p.add_argument("--proxy-headers", action="store_true",
                   help="trust X-Forwarded-For/-Proto from the reverse proxy (daphne's flag)")
    args = p.parse_args(argv)
    extra = ["--proxy-headers"] if args.proxy_headers else []

    enchufe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    enchufe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    enchufe.bind((args.host, args.puerto))
    enchufe.listen(1024)
    enchufe.set_inheritable(True)
    fd = enchufe.fileno()
    hijos = [subprocess.Popen([str(DAPHNE), "--fd", str(fd), *extra, "cgii.asgi:application"],
                              pass_fds=(fd,)) for _ in range(max(args.procesos, 1))]

    def terminar(*_):
        for h in hijos:
            if h.poll() is None:
                h.terminate()

    signal.signal(signal.SIGTERM, terminar)
    signal.signal(signal.SIGINT, terminar)
    try:
        # One child dying takes the service down rather than silently halving it.
        while all(h.poll() is None for h in hijos):
            time.sleep(0.5)
    finally:
        terminar()
        for h in hijos:
            try:
                h.wait(10)
            except subprocess.TimeoutExpired:
                h.kill()
    return max((h.returncode or 0) for h in hijos)


if __name__ == "__main__":
    sys.exit(main())
