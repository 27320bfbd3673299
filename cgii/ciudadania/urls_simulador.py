"""The local simulator (``/simulador-cd/``); every view answers 404 unless enabled."""

from django.urls import path

from . import simulador, simulador_servicios

app_name = "simulador_cd"
urlpatterns = [
    path(".well-known/openid-configuration", simulador.descubrimiento, name="descubrimiento"),
    path("jwks/", simulador.jwks, name="jwks"),
    path("autorizar/", simulador.autorizar, name="autorizar"),
    path("token/", simulador.token, name="token"),
    path("userinfo/", simulador.userinfo, name="userinfo"),
    path("salir/", simulador.salir, name="salir"),
    path("aprobacion/solicitudes/", simulador_servicios.solicitudes, name="solicitudes"),
    path("aprobacion/solicitudes/<str:solicitud_id>/", simulador_servicios.solicitud,
         name="solicitud"),
    path("aprobacion/<str:solicitud_id>/", simulador_servicios.aprobar, name="aprobar"),
    path("notificaciones/", simulador_servicios.notificaciones, name="notificaciones"),
    path("notificaciones/<str:envio_id>/", simulador_servicios.notificacion,
         name="notificacion"),
    path("buzon/<str:envio_id>/", simulador_servicios.entregar, name="entregar"),
]
