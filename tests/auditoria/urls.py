"""Tiny views for the middleware tests (mounted with @pytest.mark.urls)."""

from asgiref.sync import sync_to_async
from django.http import JsonResponse
from django.urls import path

from cgii.auditoria.contexto import contexto_actual
from cgii.auditoria.services import auditoria_registrar


def _respuesta(registro):
    return JsonResponse({"secuencia": registro.secuencia, "request_id": registro.request_id,
                         "ip": registro.ip, "contexto": contexto_actual().request_id})


def registrar(request):
    return _respuesta(auditoria_registrar(actor=request.user, accion="prueba.vista"))


async def contexto_async(request):
    # What a service run through sync_to_async would see (no DB here: that thread's
    # connection would escape the test transaction).
    visto = await sync_to_async(contexto_actual)()
    return JsonResponse({"request_id": visto.request_id, "ip": visto.ip})


urlpatterns = [
    path("registrar/", registrar),
    path("contexto-async/", contexto_async),
]
