from django.urls import path

from . import views

urlpatterns = [
    path("yo/", views.YoVista.as_view(), name="api-yo"),
    path("tokens/", views.TokensVista.as_view(), name="api-tokens"),
    path("tokens/<int:pk>/", views.TokenVista.as_view(), name="api-token"),
]
