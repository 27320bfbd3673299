from django.urls import path

from . import esquema, lote, tareas, views  # noqa: F401 (esquema registers extensions)

urlpatterns = [
    path("incidentes/", views.IncidentesView.as_view(), name="api-incidentes"),
    path("incidentes/lote/", lote.LoteView.as_view(), name="api-incidentes-lote"),
    path("incidentes/<int:pk>/", views.IncidenteView.as_view(), name="api-incidente"),
    path("incidentes/<int:pk>/transiciones/", views.TransicionView.as_view()),
    path("incidentes/<int:pk>/clasificacion/", views.ClasificacionView.as_view()),
    path("incidentes/<int:pk>/fusion/", views.FusionView.as_view()),
    path("incidentes/<int:pk>/asignacion/", views.AsignacionView.as_view()),
    path("incidentes/<int:pk>/comentarios/", views.ComentarioView.as_view()),
    path("incidentes/<int:pk>/solicitudes/", views.SolicitudView.as_view()),
    path("incidentes/<int:pk>/respuestas/", views.RespuestaView.as_view()),
    path("incidentes/<int:pk>/confirmacion/", views.ConfirmacionView.as_view()),
    path("incidentes/<int:pk>/tareas/<int:tarea_id>/", views.TareaView.as_view()),
    path("incidentes/<int:pk>/timeline/", views.TimelineView.as_view()),
    # Analysts' own tasks and «Mis tareas» (issue 18).
    path("incidentes/<int:pk>/tareas-propias/", tareas.TareasPropiasView.as_view()),
    path("incidentes/<int:pk>/tareas-propias/<int:tarea_id>/", tareas.TareaPropiaView.as_view()),
    path("mis-tareas/", tareas.MisTareasView.as_view(), name="api-mis-tareas"),
    path("incidentes/<int:pk>/evidencias/", views.EvidenciasView.as_view()),
    path("incidentes/<int:pk>/evidencias/<int:evidencia_id>/descarga/",
         views.EvidenciaDescargaView.as_view(), name="api-evidencia-descarga"),
]
