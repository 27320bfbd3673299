from django.urls import path

from . import views

urlpatterns = [
    path("fuentes/eventos/", views.EventosView.as_view(), name="api-fuentes-eventos"),
]
