from django.urls import path

from . import views

urlpatterns = [
    path("notificaciones/", views.NotificacionesView.as_view(), name="api-notificaciones"),
    path("notificaciones/leidas/", views.LeidasView.as_view()),
    path("notificaciones/preferencias/", views.PreferenciasView.as_view()),
]
