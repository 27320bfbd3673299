"""The gunicorn worker classes of the web role: uvicorn (``uvicorn-worker``) with our choices.

Imported by the gunicorn master, so it must not import Django: each worker imports the app
(``cgii.asgi``) itself after the fork (no ``preload_app``, see ``cgii/gunicorn_conf.py``).
"""

from uvicorn_worker import UvicornWorker


class TrabajadorUvicorn(UvicornWorker):
    CONFIG_KWARGS = {
        # Explicit, not "auto": installing uvloop/httptools later must not silently change
        # the server. Django's sync views dominate the cost of a request (docs/architecture.md).
        "loop": "asyncio",
        "http": "h11",
        # websockets' sans-I/O implementation (the one uvicorn picks by default when the
        # `websockets` package is installed; its legacy one is deprecated).
        "ws": "websockets-sansio",
        # Events are ~1 KB JSON fanned out to every subscriber: compressing each copy per
        # connection costs CPU for little (daphne did not compress either).
        "ws_per_message_deflate": False,
        # Channels' ProtocolTypeRouter has no "lifespan" route; uvicorn would log that the
        # app does not support it at every worker start.
        "lifespan": "off",
        # Behind no proxy: the peer address is the client (see TrabajadorUvicornProxy).
        "proxy_headers": False,
        "server_header": False,
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # gunicorn SIGKILLs a worker still alive graceful_timeout seconds after SIGTERM.
        # uvicorn gives up waiting a little earlier and cancels what is left itself, so the
        # consumers' disconnect handlers (group_discard) and the pools' close still run.
        self.config.timeout_graceful_shutdown = max(self.cfg.graceful_timeout - 2, 1)


class TrabajadorUvicornProxy(TrabajadorUvicorn):
    """Behind a reverse proxy: X-Forwarded-For / -Proto from ``forwarded_allow_ips`` set the
    client address and scheme (``python -m cgii.servidor --proxy-headers``)."""

    CONFIG_KWARGS = {**TrabajadorUvicorn.CONFIG_KWARGS, "proxy_headers": True}
