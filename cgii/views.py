from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, resolve, reverse
from django.views.decorators.http import require_GET

from cgii.entidades.selectors import membresias_activas, roles_cgii


def _servir(request, nombre: str):
    """Answer with the page mounted at URL ``nombre``. Core imports no domain app: the URL
    config, which mounts them, says which view that is (None when it is not mounted)."""
    try:
        coincidencia = resolve(reverse(nombre))
    except NoReverseMatch:
        return None
    return coincidencia.func(request, *coincidencia.args, **coincidencia.kwargs)


@login_required
def inicio(request):
    """Home: CGII staff work on the live console, entity users on their portal. Served in
    place (not redirected) so that "/" is the address people keep."""
    respuesta = None
    if roles_cgii(request.user):
        respuesta = _servir(request, "incidentes:consola")
    elif membresias_activas(request.user):
        respuesta = _servir(request, "incidentes:portal")
    if respuesta is not None:
        return respuesta
    return render(
        request,
        "inicio.html",
        {"roles_cgii": sorted(roles_cgii(request.user)),
         "membresias": membresias_activas(request.user)},
    )


@login_required
@require_GET
def preferencias_notificaciones(request):
    """Per-type notification preferences (in the app, by e-mail). The page's script reads
    and saves them through /api/v1/notificaciones/preferencias/."""
    return render(request, "notificaciones/preferencias.html")


@require_GET
def salud(request):
    """Liveness for monitoring; the search issue extends it with Redis/Celery/search/backlog."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:  # noqa: BLE001 - any DB failure means "not healthy", reported, not raised
        db_ok = False
    return JsonResponse({"base_de_datos": db_ok}, status=200 if db_ok else 503)
