"""HTML pages of indicators and STIX (mounted at /indicadores/ by cgii/urls.py)."""

from django.urls import path

from . import views

app_name = "indicadores"
urlpatterns = [
    path("", views.lista, name="lista"),
    path("feed/", views.exportar_feed, name="feed"),
    path("importar/", views.importar, name="importar"),
    path("importaciones/<int:pk>/", views.importacion_detalle, name="importacion"),
    path("importaciones/<int:pk>/estado/", views.importacion_estado,
         name="importacion_estado"),
    path("importaciones/<int:pk>/solo-validos/", views.importacion_solo_validos,
         name="importacion_solo_validos"),
    path("incidentes/<int:pk>/stix/", views.exportar_incidente, name="exportar_incidente"),
    path("incidentes/<int:pk>/extraer/", views.extraer, name="extraer"),
]
