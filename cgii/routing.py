"""Websocket routes: core's own plus those the domain apps expose."""

from django.urls import path

from cgii.eventos.consumers import EventosConsumer

websocket_urlpatterns = [
    path("ws/eventos/", EventosConsumer.as_asgi()),
]
