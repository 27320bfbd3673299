from django.apps import AppConfig


class BusquedaConfig(AppConfig):
    name = "cgii.busqueda"
    label = "busqueda"
    verbose_name = "Búsqueda"
