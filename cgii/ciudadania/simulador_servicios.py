"""Local simulator of Aprobación de Documentos (``/simulador-cd/aprobacion/``): the shapes
``aprobacion.py`` speaks, kept in the cache (one process in the embedded profile). A page
plays the person approving or rejecting in the Ciudadanía Digital app. 404 unless
``settings.CIUDADANIA_SIMULADOR``."""

import json
import secrets

from django.core.cache import cache
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .simulador import _exigir_simulador

VIGENCIA = 7 * 24 * 3600


def _clave(solicitud_id: str) -> str:
    return f"cd-sim:aprobacion:{solicitud_id}"


def leer(solicitud_id: str) -> dict | None:
    return cache.get(_clave(solicitud_id))


def guardar(datos: dict) -> None:
    cache.set(_clave(datos["id"]), datos, VIGENCIA)


@csrf_exempt
def solicitudes(request):
    _exigir_simulador()
    if request.method != "POST":
        return JsonResponse({"mensaje": "Método no permitido"}, status=405)
    try:
        p = json.loads(request.body)
        referencia, ci, sha = p["referencia"], p["ci_aprobador"], p["hash_sha256"]
    except (ValueError, KeyError):
        return JsonResponse({"mensaje": "Solicitud mal formada"}, status=400)
    existente = cache.get(f"cd-sim:aprobacion-ref:{referencia}")
    datos = leer(existente) if existente else None
    if datos is None:  # the same reference is the same request (idempotent send)
        datos = {"id": secrets.token_hex(8), "referencia": referencia, "ci": ci,
                 "hash_sha256": sha, "descripcion": p.get("descripcion", ""),
                 "nombre_archivo": p.get("nombre_archivo", ""), "estado": "pendiente"}
        guardar(datos)
        cache.set(f"cd-sim:aprobacion-ref:{referencia}", datos["id"], VIGENCIA)
    url = request.build_absolute_uri(reverse("simulador_cd:aprobar", args=[datos["id"]]))
    return JsonResponse({"id": datos["id"], "url_aprobacion": url}, status=201)


def solicitud(request, solicitud_id: str):
    _exigir_simulador()
    datos = leer(solicitud_id)
    if datos is None:
        return JsonResponse({"mensaje": "No existe"}, status=404)
    respuesta = {"id": datos["id"], "estado": datos["estado"], "motivo": datos.get("motivo", "")}
    if datos["estado"] == "aprobado":
        respuesta["aprobacion"] = datos["aprobacion"]
    return JsonResponse(respuesta)


@never_cache
def aprobar(request, solicitud_id: str):
    """The person's side: approve or reject the document (the real service does this in the
    Ciudadanía Digital app after the person's own login)."""
    _exigir_simulador()
    datos = leer(solicitud_id)
    if datos is None:
        return render(request, "ciudadania/simulador_error.html", status=404)
    if request.method == "POST" and datos["estado"] == "pendiente":
        if request.POST.get("decision") == "aprobar":
            datos["estado"] = "aprobado"
            datos["aprobacion"] = {
                "codigo": "AD-" + secrets.token_hex(5).upper(),
                "nombre": request.POST.get("nombre", "").strip() or "Ciudadano de prueba",
                "ci": datos["ci"], "fecha": timezone.now().isoformat(),
                "hash_sha256": datos["hash_sha256"]}
        else:
            datos["estado"] = "rechazado"
            datos["motivo"] = request.POST.get("motivo", "").strip() or "Rechazado"
        guardar(datos)
        if request.POST.get("volver", "").startswith("/"):
            return HttpResponseRedirect(request.POST["volver"])
    return render(request, "ciudadania/simulador_aprobar.html",
                  {"s": datos, "volver": request.GET.get("volver", "")})


# ---- Notificaciones Electrónicas -------------------------------------------------------------

def _clave_notificacion(envio_id: str) -> str:
    return f"cd-sim:notificacion:{envio_id}"


def notificacion_leer(envio_id: str) -> dict | None:
    return cache.get(_clave_notificacion(envio_id))


def notificacion_guardar(datos: dict) -> None:
    cache.set(_clave_notificacion(datos["id"]), datos, VIGENCIA)


@csrf_exempt
def notificaciones(request):
    _exigir_simulador()
    if request.method != "POST":
        return JsonResponse({"mensaje": "Método no permitido"}, status=405)
    try:
        p = json.loads(request.body)
        referencia, ci = p["referencia"], p["ci_destinatario"]
    except (ValueError, KeyError):
        return JsonResponse({"mensaje": "Solicitud mal formada"}, status=400)
    existente = cache.get(f"cd-sim:notificacion-ref:{referencia}")
    datos = notificacion_leer(existente) if existente else None
    if datos is None:  # the same reference is the same notice
        datos = {"id": secrets.token_hex(8), "referencia": referencia, "ci": ci,
                 "asunto": p.get("asunto", ""), "contenido": p.get("contenido", ""),
                 "estado": "enviada", "entregada_en": None}
        notificacion_guardar(datos)
        cache.set(f"cd-sim:notificacion-ref:{referencia}", datos["id"], VIGENCIA)
    return JsonResponse({"id": datos["id"]}, status=201)


def notificacion(request, envio_id: str):
    _exigir_simulador()
    datos = notificacion_leer(envio_id)
    if datos is None:
        return JsonResponse({"mensaje": "No existe"}, status=404)
    return JsonResponse({"id": datos["id"], "estado": datos["estado"],
                         "entregada_en": datos["entregada_en"]})


@never_cache
def entregar(request, envio_id: str):
    """The mailbox's side: the notice reaches the person's Ciudadanía Digital mailbox."""
    _exigir_simulador()
    datos = notificacion_leer(envio_id)
    if datos is None:
        return render(request, "ciudadania/simulador_error.html", status=404)
    if request.method == "POST" and datos["estado"] == "enviada":
        datos["estado"], datos["entregada_en"] = "entregada", timezone.now().isoformat()
        notificacion_guardar(datos)
    return render(request, "ciudadania/simulador_notificacion.html", {"n": datos})
