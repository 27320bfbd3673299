"""Views that raise what a dead database or Redis raises (tests/plataforma/test_indisponibilidad.py).

``?error=`` picks the exception: ``bd`` (Django's OperationalError from a refused psycopg
connection, as Django wraps it), ``pool`` (psycopg_pool.PoolTimeout, wrapped the same way),
``interbloqueo`` (a deadlock: the query's own failure), ``broker`` (kombu, Redis down),
``valor`` (a plain bug).
"""

import psycopg
import psycopg.errors
import psycopg_pool
from django.db import utils
from django.http import HttpResponse
from django.urls import path
from kombu.exceptions import OperationalError as ErrorBroker
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def _envuelto(error_psycopg: psycopg.OperationalError):
    """Raise ``error_psycopg`` the way Django's wrap_database_errors re-raises it."""
    try:
        raise error_psycopg
    except psycopg.OperationalError as exc:
        raise utils.OperationalError(str(exc)) from exc


def _lanzar(exc: Exception):
    raise exc


ERRORES = {
    "bd": lambda: _envuelto(psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "Connection refused")),
    "pool": lambda: _envuelto(psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec")),
    "interbloqueo": lambda: _envuelto(psycopg.errors.DeadlockDetected("deadlock detected")),
    "broker": lambda: _lanzar(ErrorBroker("Error 111 connecting to 127.0.0.1:6379.")),
    "valor": lambda: _lanzar(ValueError("un error de programación")),
}


def fallar(request) -> None:
    error = request.GET.get("error")
    if error:
        ERRORES[error]()


def plana(request):
    fallar(request)
    return HttpResponse("bien")


class VistaDRF(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        fallar(request)
        return Response({"ok": True})


class MiddlewareQueFalla:
    """Raises inside the middleware chain (``?error_mw=``), before the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        error = request.GET.get("error_mw")
        if error:
            ERRORES[error]()
        return self.get_response(request)


urlpatterns = [
    path("api/v1/drf/", VistaDRF.as_view()),
    path("api/v1/plana/", plana),
    path("pagina/", plana),
]

handler500 = "cgii.indisponibilidad.error_servidor"
