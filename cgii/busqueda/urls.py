"""Mounted at the root by cgii/urls.py: the page and its API endpoint."""

from django.urls import path

from . import api, views

app_name = "busqueda"

urlpatterns = [
    path("busqueda/", views.inicio, name="inicio"),
    path("api/v1/busqueda/", api.BusquedaView.as_view(), name="api"),
]
