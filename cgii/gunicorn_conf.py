"""gunicorn settings of the web role (full stack): a master that supervises N uvicorn workers.

``python -m cgii.servidor`` runs gunicorn with this file and adds bind, workers and worker
class from its flags; it also works on its own:

    gunicorn -c cgii/gunicorn_conf.py

The master binds the socket, forks the workers and replaces any that dies (``kill -9``, an
out-of-memory kill, a missed heartbeat) while the others keep serving. Signals to the
master: HUP starts new workers with the code on disk and stops the old ones gracefully;
TERM stops gracefully (in-flight requests finish, websockets get 1012 "service restart",
within WEB_GRACEFUL_TIMEOUT); TTIN / TTOU add / remove a worker.

Read by the master only: nothing here may import Django.
"""

import os
from pathlib import Path


def _entero(nombre: str, defecto: int) -> int:
    return int(os.environ.get(nombre) or defecto)


wsgi_app = "cgii.asgi:application"
chdir = str(Path(__file__).resolve().parent.parent)  # the repository: cgii importable from any cwd
bind = [f"127.0.0.1:{_entero('WEB_PUERTO', 8000)}"]
workers = _entero("WEB_PROCESOS", 2 * (os.cpu_count() or 1))
worker_class = "cgii.trabajador_uvicorn.TrabajadorUvicorn"

# Each worker imports cgii.asgi (Django, the URLconf) after the fork, once, not per request.
# No preload: psycopg's pool (its sockets and its threads) and the Redis channel layer (bound
# to an event loop) must be created in the process that uses them; threads do not survive a
# fork and a shared socket would mix two processes' traffic. It also makes HUP load new code:
# with preload the master would keep the old modules. The cost: ~1-2 s of imports per worker
# start, while the other workers serve.
preload_app = False

# Heartbeat: the worker's event loop touches a file every timeout/2 s; a worker silent for
# `timeout` s is killed and replaced. Django's sync code runs in threads, so a long view
# (a PDF report) does not stop the heartbeat; a blocked event loop does.
timeout = _entero("WEB_TIMEOUT", 30)
graceful_timeout = _entero("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5  # s an idle keep-alive connection stays open
backlog = 2048  # connections queue here while workers (re)start
# The heartbeat file is fchmod-ed every few seconds: keep it off disk-backed storage
# (overlay filesystems in containers can block on it).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn >= 25 opens a control socket at ~/.gunicorn/gunicorn.ctl by default: two servers
# on one machine (tests, benches, a second instance) would share that path. Signals suffice.
control_socket_disable = True

# Access log on stdout as daphne did; WEB_ACCESSLOG="" turns it off (a proxy logs already).
accesslog = os.environ.get("WEB_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOGLEVEL", "info")

