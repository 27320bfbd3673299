from django.urls import path

from . import views

app_name = "ciudadania"
urlpatterns = [
    path("ingresar/", views.ingresar, name="ingresar"),
    path("retorno/", views.retorno, name="retorno"),
    path("codigo/", views.codigo, name="codigo"),
    path("salir/", views.salir, name="salir"),
]
