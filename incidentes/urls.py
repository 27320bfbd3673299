from django.urls import path

from . import views
from .views import evidencias as vistas_evidencias
from .views import exportar as vistas_exportar
from .views import lote as vistas_lote
from .views import vistas as vistas_guardadas

app_name = "incidentes"
urlpatterns = [
    path("", views.lista, name="lista"),
    path("consola/", views.consola, name="consola"),
    path("consola/filas/", views.consola_filas, name="consola_filas"),
    # Issue 18: bulk actions and saved views.
    path("lote/", vistas_lote.lote, name="lote"),
    path("exportar.<str:formato>", vistas_exportar.exportar, name="exportar"),
    path("vistas/", vistas_guardadas.vista_guardar, name="vista_guardar"),
    path("vistas/cuentas/", vistas_guardadas.vistas_cuentas, name="vistas_cuentas"),
    path("vistas/<int:pk>/borrar/", vistas_guardadas.vista_borrar, name="vista_borrar"),
    path("portal/", views.portal, name="portal"),
    path("nuevo/", views.reportar, name="reportar"),
    path("mis-tareas/", views.mis_tareas, name="mis_tareas"),
    path("<int:pk>/", views.detalle, name="detalle"),
    path("<int:pk>/paneles/", views.paneles, name="paneles"),
    path("<int:pk>/accion/<str:nombre>/", views.accion, name="accion"),
    path("<int:pk>/evidencias/<int:evidencia_id>/", views.descargar_evidencia,
         name="evidencia"),
    # Evidence preview (issue 18): the viewer page and what its <img> tags read.
    path("<int:pk>/evidencias/<int:evidencia_id>/vista/", vistas_evidencias.vista,
         name="evidencia_vista"),
    path("<int:pk>/evidencias/<int:evidencia_id>/imagen/", vistas_evidencias.imagen,
         name="evidencia_imagen"),
    path("<int:pk>/evidencias/<int:evidencia_id>/pagina/<int:numero>/",
         vistas_evidencias.pagina, name="evidencia_pagina"),
]
