from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, resolve, reverse
from django.views.decorators.http import require_GET

from cgii.entidades.selectors import membresias_activas, roles_cgii
from cgii.indisponibilidad import REINTENTAR_EN


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
def preferencias_notificaciones(request):
    """Per-type notification preferences (in the app, by e-mail) and how often e-mail comes
    (at once, hourly or daily digest). A plain form (the API offers the same:
    /api/v1/notificaciones/preferencias/)."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from cgii.errores import ErrorValidacion, texto_error
    from cgii.eventos import notificaciones
    from cgii.eventos.models import FrecuenciaCorreo

    if request.method == "POST":
        filas = [{"tipo": t.codigo, "en_app": f"en_app:{t.codigo}" in request.POST,
                  "email": f"email:{t.codigo}" in request.POST} for t in notificaciones.tipos()]
        try:
            notificaciones.preferencias_guardar(request.user, filas)
            notificaciones.frecuencia_guardar(
                request.user, request.POST.get("frecuencia", FrecuenciaCorreo.INMEDIATO))
        except ErrorValidacion as error:
            messages.error(request, texto_error(error))
        else:
            messages.success(request, _("Preferencias guardadas."))
        return redirect("preferencias_notificaciones")
    return render(request, "notificaciones/preferencias.html", {
        "filas": notificaciones.preferencias_de(request.user),
        "frecuencia": notificaciones.frecuencia_correo(request.user),
        "frecuencias": FrecuenciaCorreo.choices,
    })


# A health probe answers quickly while the database is down (instead of waiting the pool's
# full timeout, CGII_DB_POOL_TIMEOUT): monitors and container health checks time out too.
SALUD_ESPERA_BD = 1.0


def _salud_base_de_datos() -> bool:
    pool = getattr(connection, "pool", None)  # psycopg's pool (PostgreSQL with pooling)
    try:
        if pool is not None:
            pool.open()  # idempotent; Django opens it on its first connection
            with pool.connection(timeout=SALUD_ESPERA_BD) as conexion:
                conexion.execute("SELECT 1")
        else:  # bounded by connect_timeout (CGII_DB_CONNECT_TIMEOUT)
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any DB failure means "not healthy", reported, not raised
        return False
    return True


def _salud_redis() -> dict:
    from django.conf import settings

    if not settings.REDIS_URL:
        return {"ok": True, "modo": "embebido (sin Redis)"}
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1,
                             socket_timeout=1).ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": True}


def _salud_celery(redis_ok: bool) -> dict:
    """Workers answering a ping within half a second (none → the outbox waits for them)."""
    from django.conf import settings

    if settings.EMBEBIDO:
        return {"ok": True, "modo": "en proceso"}
    if not redis_ok:
        return {"ok": False, "error": "broker inalcanzable"}
    from cgii.celery import app

    try:
        respuestas = app.control.inspect(timeout=0.5).ping() or {}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": str(exc)[:200]}
    return {"ok": bool(respuestas), "trabajadores": len(respuestas)}


def _salud_busqueda() -> dict:
    from cgii.busqueda.backends import obtener_backend

    try:
        return obtener_backend().salud()
    except Exception as exc:  # noqa: BLE001 - misconfiguration is reported, not raised
        return {"ok": False, "error": str(exc)[:200]}


def _salud_outbox() -> dict:
    from cgii.eventos.selectors import backlog

    b = backlog()
    return {"ok": b.sano, "pendientes": b.pendientes, "agotados": b.agotados,
            "antiguedad_segundos": round(b.antiguedad_pendiente.total_seconds(), 1)
            if b.antiguedad_pendiente is not None else None,
            "sumideros": b.sumideros, "sumideros_pausados": list(b.sumideros_pausados)}


def _salud_replica() -> dict:
    """The read replica (cgii/bd/replica.py): usable now, lag, and this process's routing
    counters. Not usable only degrades (its reads go to the primary)."""
    from cgii.bd import replica

    ok = replica.replica_disponible()
    return {**replica.estado(), "ok": ok}


def _salud_complementos() -> dict:
    """Checks the domain apps registered (cgii.complementos), e.g. the intake mailbox."""
    from cgii import complementos

    salida = {}
    for nombre, funcion in complementos.salud():
        try:
            salida[nombre] = funcion()
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, not raised
            salida[nombre] = {"ok": False, "error": str(exc)[:200]}
    return salida


def _ve_detalles(request) -> bool:
    """Details of /salud/ (worker count, backlog, search documents) are for CGII staff or
    a monitor holding SALUD_TOKEN (header X-Salud-Token); everyone else gets liveness."""
    from django.conf import settings
    from django.utils.crypto import constant_time_compare

    token = settings.SALUD_TOKEN
    enviado = request.META.get("HTTP_X_SALUD_TOKEN", "")
    if token and enviado and constant_time_compare(token, enviado):
        return True
    usuario = getattr(request, "user", None)
    return bool(usuario is not None and usuario.is_authenticated and roles_cgii(usuario))


@require_GET
def salud(request):
    """Health for monitoring, as JSON. Public: liveness only ({"sano": …}; 503 when the
    database is down). For staff or a monitoring token (``_ve_detalles``): database, Redis,
    Celery workers, search backend and the outbox backlog (events not yet delivered — e.g.
    index updates waiting for Elasticsearch to come back). 503 only when the database is
    down: the rest degrade (writes keep working; the backlog drains when the service
    returns)."""
    db_ok = _salud_base_de_datos()
    # With the database down, who is asking cannot be known (the session is in it).
    if not db_ok or not _ve_detalles(request):
        return JsonResponse({"sano": db_ok}, status=200 if db_ok else 503)
    cuerpo = {"base_de_datos": db_ok}
    if db_ok:
        redis_estado = _salud_redis()
        cuerpo.update({
            "redis": redis_estado,
            "celery": _salud_celery(redis_estado["ok"]),
            "busqueda": _salud_busqueda(),
            "outbox": _salud_outbox(),
        })
        from cgii.bd import replica

        if replica.configurada():
            cuerpo["replica"] = _salud_replica()
        cuerpo.update(_salud_complementos())
        cuerpo["sano"] = all(v["ok"] for k, v in cuerpo.items() if isinstance(v, dict))
    else:
        cuerpo["sano"] = False
    respuesta = JsonResponse(cuerpo, status=200 if db_ok else 503)
    if not db_ok:
        respuesta["Retry-After"] = str(REINTENTAR_EN)
    return respuesta
