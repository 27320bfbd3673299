from django.urls import path

from . import views

app_name = "fuentes"
urlpatterns = [
    path("", views.inicio, name="inicio"),
    path("agregaciones/<int:pk>/", views.agregacion, name="agregacion"),
    path("agregaciones/<int:pk>/hosts.csv", views.agregacion_csv, name="agregacion_csv"),
    path("agregaciones/<int:pk>/acusar/", views.acusar, name="acusar"),
    path("incidentes/<int:pk>/hosts/", views.hosts_incidente, name="hosts_incidente"),
    path("incidentes/<int:pk>/hosts.csv", views.hosts_incidente_csv,
         name="hosts_incidente_csv"),
    path("sin-entidad/", views.sin_entidad, name="sin_entidad"),
    path("sin-entidad/reenrutar/", views.reenrutar, name="reenrutar"),
]
