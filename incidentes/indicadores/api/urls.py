from django.urls import path

from . import views

urlpatterns = [
    path("incidentes/<int:pk>/indicadores/", views.IndicadoresIncidenteView.as_view(),
         name="api-incidente-indicadores"),
    path("incidentes/<int:pk>/indicadores/extraer/", views.ExtraerView.as_view(),
         name="api-incidente-indicadores-extraer"),
    path("incidentes/<int:pk>/indicadores/<int:vinculo_id>/", views.VinculoView.as_view(),
         name="api-incidente-indicador"),
    path("incidentes/<int:pk>/stix/", views.ExportarIncidenteView.as_view(),
         name="api-incidente-stix"),
    path("indicadores/buscar/", views.BuscarView.as_view(), name="api-indicadores-buscar"),
    path("indicadores/<int:pk>/", views.IndicadorView.as_view(), name="api-indicador"),
    path("stix/importar/", views.ImportarView.as_view(), name="api-stix-importar"),
    path("stix/importaciones/", views.ImportacionesView.as_view(), name="api-stix-importaciones"),
    path("stix/importaciones/<int:pk>/", views.ImportacionView.as_view(),
         name="api-stix-importacion"),
    path("stix/feed/", views.FeedView.as_view(), name="api-stix-feed"),
]
