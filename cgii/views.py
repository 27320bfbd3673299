from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cgii.entidades.selectors import membresias_activas, roles_cgii


@login_required
def inicio(request):
    return render(
        request,
        "inicio.html",
        {"roles_cgii": sorted(roles_cgii(request.user)),
         "membresias": membresias_activas(request.user)},
    )


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
