from django.urls import path

from . import views

P = "pisi/planes/<int:pk>/"
PER = P + "periodos/<int:periodo_id>/"

urlpatterns = [
    path("pisi/catalogos/", views.CatalogosView.as_view(), name="api-pisi-catalogos"),
    path("pisi/catalogos/<int:catalogo_id>/controles/", views.ControlesView.as_view()),
    path("pisi/verificacion/<str:codigo>/", views.VerificacionView.as_view(),
         name="api-pisi-verificacion"),
    path("pisi/planes/", views.PlanesView.as_view(), name="api-pisi-planes"),
    path(P, views.PlanView.as_view(), name="api-pisi-plan"),
    path(P + "transiciones/", views.TransicionView.as_view()),
    path(P + "versiones/", views.NuevaVersionView.as_view()),
    path(P + "catalogo/", views.MigrarCatalogoView.as_view()),
    path(P + "documentos/<str:tipo>/", views.DocumentoView.as_view()),
    path(P + "documentos/<str:tipo>/descarga/", views.DocumentoDescargaView.as_view(),
         name="api-pisi-documento-descarga"),
    path(P + "historial/", views.HistorialView.as_view()),
    path(P + "plazos/", views.PlazosView.as_view()),
    path(P + "tendencia/", views.TendenciaView.as_view()),
    path(P + "soa/", views.SoAView.as_view()),
    path(P + "soa/<int:fila_id>/", views.FilaSoAView.as_view()),
    path(P + "actividades/", views.ActividadesView.as_view()),
    path(P + "actividades/<int:actividad_id>/", views.ActividadView.as_view()),
    path(P + "evidencias/", views.EvidenciasView.as_view()),
    path(P + "evidencias/<int:evidencia_id>/", views.EvidenciaView.as_view()),
    path(P + "evidencias/<int:evidencia_id>/estado/", views.EvidenciaEstadoView.as_view()),
    path(P + "evidencias/<int:evidencia_id>/descarga/", views.EvidenciaDescargaView.as_view(),
         name="api-pisi-evidencia-descarga"),
    path(P + "periodos/", views.PeriodosView.as_view()),
    path(PER, views.PeriodoView.as_view()),
    path(PER + "transiciones/", views.PeriodoTransicionView.as_view()),
    path(PER + "avances/", views.AvancesView.as_view()),
    path(PER + "revisiones/", views.RevisionesView.as_view()),
    path(PER + "snapshot/", views.SnapshotView.as_view()),
    path(P + "hallazgos/", views.HallazgosView.as_view()),
    path(P + "hallazgos/<int:hallazgo_id>/", views.HallazgoView.as_view()),
    path(P + "hallazgos/<int:hallazgo_id>/cierre/", views.HallazgoCierreView.as_view()),
]
