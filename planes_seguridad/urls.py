from django.urls import path

from . import views

app_name = "pisi"
urlpatterns = [
    path("", views.lista, name="lista"),
    path("nuevo/", views.nuevo, name="nuevo"),
    path("revision/", views.cola, name="cola"),
    path("plantilla.xlsx", views.plantilla, name="plantilla"),
    path("<int:pk>/", views.detalle, name="detalle"),
    path("<int:pk>/datos/", views.datos, name="datos"),
    path("<int:pk>/aplicabilidad/", views.soa, name="soa"),
    path("<int:pk>/riesgos/", views.riesgos, name="riesgos"),
    path("<int:pk>/cronograma/", views.cronograma, name="cronograma"),
    path("<int:pk>/evidencias/", views.evidencias, name="evidencias"),
    path("<int:pk>/evidencias/<int:evidencia_id>/descarga/", views.evidencia_descarga,
         name="evidencia"),
    path("<int:pk>/seguimiento/", views.seguimiento, name="seguimiento"),
    path("<int:pk>/seguimiento/<int:periodo_id>/", views.periodo, name="periodo"),
    path("<int:pk>/hallazgos/", views.hallazgos, name="hallazgos"),
    path("<int:pk>/revision/", views.revision, name="revision"),
    path("<int:pk>/observaciones/", views.observaciones, name="observaciones"),
    path("<int:pk>/documentos/<str:tipo>/", views.documento, name="documento"),
    path("<int:pk>/resumen.pdf", views.resumen_pdf, name="resumen_pdf"),
    path("<int:pk>/importar/", views.importar, name="importar"),
    path("<int:pk>/exportar.xlsx", views.exportar, name="exportar"),
    path("<int:pk>/accion/<str:nombre>/", views.accion, name="accion"),
]
