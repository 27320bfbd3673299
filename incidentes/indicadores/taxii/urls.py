from django.urls import path

from . import views

app_name = "taxii"

urlpatterns = [
    path("", views.Descubrimiento.as_view(), name="descubrimiento"),
    path(f"{views.RAIZ}/", views.RaizAPI.as_view(), name="raiz"),
    path(f"{views.RAIZ}/collections/", views.Colecciones.as_view(), name="colecciones"),
    path(f"{views.RAIZ}/collections/<str:coleccion_id>/", views.ColeccionDetalle.as_view(),
         name="coleccion"),
    path(f"{views.RAIZ}/collections/<str:coleccion_id>/objects/", views.Objetos.as_view(),
         name="objetos"),
    path(f"{views.RAIZ}/collections/<str:coleccion_id>/objects/<str:objeto_id>/",
         views.Objeto.as_view(), name="objeto"),
    path(f"{views.RAIZ}/collections/<str:coleccion_id>/objects/<str:objeto_id>/versions/",
         views.Versiones.as_view(), name="versiones"),
    path(f"{views.RAIZ}/collections/<str:coleccion_id>/manifest/", views.Manifiesto.as_view(),
         name="manifiesto"),
    path(f"{views.RAIZ}/status/<str:estado_id>/", views.Estado.as_view(), name="estado"),
    # taxii2-client builds the status URL without the trailing slash.
    path(f"{views.RAIZ}/status/<str:estado_id>", views.Estado.as_view()),
]
