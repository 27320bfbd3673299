"""The database or Redis is down: answer 503 with Retry-After, never a 500 or a traceback.

One classifier (``causa``) says whether an exception means "a service we depend on is
unreachable" and which one; the HTTP side turns it into a 503 (JSON ``{"message", "extra"}``
under ``/api/`` and ``/taxii2/``, a plain Spanish page elsewhere) and the websocket guard
(``cgii.eventos.ws_auth``) into a close with 4503.

Where the exception can surface, and who answers:

- a DRF view (authentication included): ``cgii.api.manejador_excepciones``;
- a plain view or any middleware: Django turns the exception into a response at the
  middleware's boundary (``convert_exception_to_response``). ``got_request_exception``
  fires first: ``_anotar`` records the cause on the request; then ``handler500``
  (``error_servidor``, production) answers the 503 itself, and with ``DEBUG`` on (Django
  shows its technical page instead of calling handler500) ``IndisponibilidadMiddleware``,
  outermost, swaps that 500 for the 503.

The 503 page is rendered without a request (no context processors, no user): the
database is not there to ask.
"""

import logging
import sys

from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.debug import ExceptionReporter
from django.views.defaults import server_error

log = logging.getLogger(__name__)

BASE_DE_DATOS = "base_de_datos"
REDIS = "redis"
# Seconds a client should wait before trying again (Retry-After); the browser's websocket
# client has its own backoff.
REINTENTAR_EN = 5
_RUTAS_JSON = ("/api/", "/taxii2/")
_ATRIBUTO = "_cgii_indisponible"

# SQLSTATE classes/codes that mean "the server cannot serve now", not "this query failed":
# 08 connection exception, 53 insufficient resources (too many connections, disk full,
# out of memory), 57P01-57P05 shutdown / starting up / database dropped / idle timeout.
# Deadlocks, serialization failures, lock_not_available and statement timeouts are the
# query's own problem and stay errors.
_CLASES_SQLSTATE = ("08", "53", "57P")


def _es_base_de_datos(exc: BaseException) -> bool:
    import psycopg
    from django.db import utils

    if isinstance(exc, psycopg.InterfaceError):  # e.g. "the connection is closed"
        return True
    if isinstance(exc, psycopg.OperationalError):
        # psycopg_pool.PoolTimeout is one; so are refused or broken connections (no
        # SQLSTATE: the server never answered).
        estado = getattr(exc, "sqlstate", None)
        return estado is None or estado.startswith(_CLASES_SQLSTATE)
    # Django's wrappers keep the driver's exception as __cause__ (looked at by the caller);
    # an InterfaceError of Django's own means the connection is gone.
    return isinstance(exc, utils.InterfaceError) and exc.__cause__ is None


def _es_redis(exc: BaseException) -> bool:
    import redis
    from kombu.exceptions import OperationalError as ErrorBroker

    return isinstance(exc, redis.ConnectionError | redis.TimeoutError | ErrorBroker)


def causa(exc: BaseException | None) -> str | None:
    """``BASE_DE_DATOS`` or ``REDIS`` when ``exc`` (or what it was raised from or while
    handling) says that service is unreachable; None for any other error."""
    vistas = set()
    while exc is not None and id(exc) not in vistas:
        vistas.add(id(exc))
        if _es_base_de_datos(exc):
            return BASE_DE_DATOS
        if _es_redis(exc):
            return REDIS
        exc = exc.__cause__ or exc.__context__
    return None


def mensaje(servicio: str) -> str:
    if servicio == BASE_DE_DATOS:
        return _("El servicio no está disponible temporalmente: no hay conexión con la base "
                 "de datos. Intente de nuevo en unos segundos.")
    return _("El servicio no está disponible temporalmente: no hay conexión con el servidor "
             "de mensajería. Intente de nuevo en unos segundos.")


def respuesta(request, servicio: str) -> HttpResponse:
    """The 503 for ``request``: JSON for API clients, a plain page for browsers."""
    if request.path_info.startswith(_RUTAS_JSON):
        r = JsonResponse({"message": mensaje(servicio),
                          "extra": {"code": "servicio_no_disponible", "servicio": servicio,
                                    "reintentar_en": REINTENTAR_EN}}, status=503)
    else:
        r = HttpResponse(
            render_to_string("503.html", {"mensaje": mensaje(servicio),
                                          "reintentar_en": REINTENTAR_EN}),
            status=503, content_type="text/html; charset=utf-8")
    r["Retry-After"] = str(REINTENTAR_EN)
    r["Cache-Control"] = "no-store"
    return r


def anotar(request, exc: BaseException) -> str | None:
    """Record on the request that ``exc`` means a service is down (and which); log it once."""
    servicio = causa(exc)
    if servicio is None or request is None:
        return servicio
    # DRF's Request: work on the HttpRequest under it (hasattr(drf_request, "user") would
    # run authentication, and so the database, again).
    request = getattr(request, "_request", request)
    if getattr(request, _ATRIBUTO, None) is None:
        log.warning("503 en %s %s: %s no disponible (%s: %s)", request.method,
                    request.path, servicio, type(exc).__name__, str(exc)[:300])
    setattr(request, _ATRIBUTO, servicio)
    # With DEBUG on Django renders its technical page next: it reads request.user and the
    # repr() of every frame's locals (querysets, lazy users), each one another wait for
    # the pool (measured: over a minute for one page). Skip it; the middleware answers.
    request.exception_reporter_class = _ReporteBreve
    if servicio == BASE_DE_DATOS and hasattr(request, "user"):
        request.user = AnonymousUser()
    return servicio


class _ReporteBreve(ExceptionReporter):
    """Django's technical 500 without the traceback page (replaced by the 503 anyway)."""

    def get_traceback_html(self):
        return "<p>Servicio no disponible.</p>"

    def get_traceback_text(self):
        return "Servicio no disponible."


def _anotar(sender, request=None, **kwargs) -> None:
    anotar(request, sys.exc_info()[1])


got_request_exception.connect(_anotar, dispatch_uid="cgii.indisponibilidad")


def error_servidor(request):
    """``handler500``: called inside the ``except`` that caught the view's or a
    middleware's exception."""
    servicio = getattr(request, _ATRIBUTO, None) or anotar(request, sys.exc_info()[1])
    if servicio is not None:
        return respuesta(request, servicio)
    return server_error(request)


class IndisponibilidadMiddleware:
    """First in ``MIDDLEWARE`` (outermost): a 500 whose cause was an unreachable service
    becomes the 503. Needed with ``DEBUG`` on, where Django answers with its technical
    page instead of ``handler500``; it touches neither the database nor Redis."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        r = self.get_response(request)
        servicio = getattr(request, _ATRIBUTO, None)
        if r.status_code == 500 and servicio is not None:
            return respuesta(request, servicio)
        return r
