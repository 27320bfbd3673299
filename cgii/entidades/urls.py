from django.urls import path

from . import views

app_name = "entidades"
urlpatterns = [
    path("", views.cuenta, name="cuenta"),
    path("ingresar/", views.ingresar, name="login"),
    path("segundo-factor/", views.enrolar, name="enrolar"),
    path("salir/", views.salir, name="logout"),
]
