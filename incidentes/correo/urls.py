from django.urls import path

from . import views

app_name = "correo"
urlpatterns = [
    path("", views.triaje, name="triaje"),
    path("<int:pk>/", views.detalle, name="detalle"),
    path("<int:pk>/convertir/", views.convertir, name="convertir"),
    path("<int:pk>/descartar/", views.descartar, name="descartar"),
    path("<int:pk>/original/", views.original, name="original"),
]
