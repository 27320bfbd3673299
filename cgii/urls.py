"""Root URL config: the only place (with routing/asgi/celery) that mounts the domain apps."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cgii import views
from cgii.reportes.tablero import tablero
from planes_seguridad.views import verificar as pisi_verificar
from planes_seguridad.views import verificar_inicio as pisi_verificar_inicio

api_v1 = [
    path("", include("cgii.entidades.api.urls")),
    path("", include("cgii.eventos.api.urls")),
    path("", include("incidentes.api.urls")),
    path("", include("incidentes.indicadores.api.urls")),
    path("", include("incidentes.fuentes.api.urls")),
    path("", include("planes_seguridad.api.urls")),
]

urlpatterns = [
    path("", views.inicio, name="inicio"),
    path("cuenta/notificaciones/", views.preferencias_notificaciones,
         name="preferencias_notificaciones"),
    path("cuenta/ciudadania/", include("cgii.ciudadania.urls")),
    # Local simulator of Ciudadanía Digital: 404 unless settings.CIUDADANIA_SIMULADOR.
    path("simulador-cd/", include("cgii.ciudadania.urls_simulador")),
    path("cuenta/", include("cgii.entidades.urls")),
    path("incidentes/correo/", include("incidentes.correo.urls")),  # before incidentes/
    path("entidades/", include("cgii.entidades.urls_constituencia")),
    path("incidentes/", include("incidentes.urls")),
    path("indicadores/", include("incidentes.indicadores.urls")),
    path("fuentes/", include("incidentes.fuentes.urls")),
    path("pisi/", include("planes_seguridad.urls")),
    path("reportes/", include("cgii.reportes.urls")),
    path("tablero/", tablero, name="tablero"),
    path("verificar/", pisi_verificar_inicio, name="pisi_verificar_inicio"),
    path("verificar/<str:codigo>/", pisi_verificar, name="pisi_verificar"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split view: the start-up script is a file of its own (no inline script under the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
    path("salud/", views.salud, name="salud"),
    path("taxii2/", include("incidentes.indicadores.taxii.urls")),
    path("", include("cgii.busqueda.urls")),  # /busqueda/ and /api/v1/busqueda/
]

# A 500 caused by the database or Redis being down answers 503 (cgii/indisponibilidad.py).
handler500 = "cgii.indisponibilidad.error_servidor"
