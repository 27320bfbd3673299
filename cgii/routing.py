"""Websocket routes: core's own plus those the domain apps expose."""

from django.urls import path

from cgii.eventos.consumers import EventosConsumer
from incidentes.consumers import IncidenteConsumer

websocket_urlpatterns = [
    path("ws/eventos/", EventosConsumer.as_asgi()),
    path("ws/incidentes/<int:pk>/", IncidenteConsumer.as_asgi()),
]
