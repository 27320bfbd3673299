from django.apps import AppConfig


class PlanesSeguridadConfig(AppConfig):
    name = "planes_seguridad"
    verbose_name = "Planes de seguridad (PISI)"
