from django.urls import path

from . import views

app_name = "incidentes"
urlpatterns = [
    path("", views.lista, name="lista"),
    path("nuevo/", views.reportar, name="reportar"),
    path("<int:pk>/", views.detalle, name="detalle"),
    path("<int:pk>/accion/<str:nombre>/", views.accion, name="accion"),
    path("<int:pk>/evidencias/<int:evidencia_id>/", views.descargar_evidencia,
         name="evidencia"),
]
