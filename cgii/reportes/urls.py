from django.urls import path

from . import views

app_name = "reportes"

urlpatterns = [
    path("", views.indice, name="indice"),
    path("generados/<int:reporte_id>/", views.estado, name="estado"),
    path("generados/<int:reporte_id>/descarga/", views.archivo, name="archivo"),
    path("<slug:clave>/", views.reporte, name="reporte"),
    path("<slug:clave>/generar/", views.generar, name="generar"),
    path("<slug:clave>/descargar/<str:formato>/", views.descargar, name="descargar"),
]
