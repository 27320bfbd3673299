from django.urls import path

from . import views

app_name = "entidades"
urlpatterns = [
    path("ingresar/", views.ingresar, name="login"),
    path("segundo-factor/", views.enrolar, name="enrolar"),
    path("salir/", views.salir, name="logout"),
]
