from django.urls import path

from . import views_constituencia as views

app_name = "constituencia"
urlpatterns = [
    path("", views.inicio, name="inicio"),
    path("exportar.csv", views.exportar, name="exportar"),
    path("importar/", views.importar, name="importar"),
    path("<int:pk>/", views.entidad, name="entidad"),
    path("<int:pk>/registro/", views.agregar, name="agregar"),
    path("registro/<str:tipo>/<int:registro_id>/decidir/", views.decidir, name="decidir"),
]
