from django.urls import path

from . import views

app_name = "incidentes"
urlpatterns = [
    path("", views.lista, name="lista"),
    path("consola/", views.consola, name="consola"),
    path("consola/filas/", views.consola_filas, name="consola_filas"),
    path("portal/", views.portal, name="portal"),
    path("nuevo/", views.reportar, name="reportar"),
    path("mis-tareas/", views.mis_tareas, name="mis_tareas"),
    path("<int:pk>/", views.detalle, name="detalle"),
    path("<int:pk>/paneles/", views.paneles, name="paneles"),
    path("<int:pk>/accion/<str:nombre>/", views.accion, name="accion"),
    path("<int:pk>/evidencias/<int:evidencia_id>/", views.descargar_evidencia,
         name="evidencia"),
]
