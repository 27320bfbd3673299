from django.apps import AppConfig


class CiudadaniaConfig(AppConfig):
    name = "cgii.ciudadania"
    label = "ciudadania"
    verbose_name = "Ciudadanía Digital"
