from django.apps import AppConfig


class CgiiConfig(AppConfig):
    """The platform itself: cross-cutting commands (cargar_catalogos, cargar_demo) and templates."""

    name = "cgii"
    verbose_name = "CGII"
