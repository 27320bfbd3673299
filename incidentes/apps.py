from django.apps import AppConfig


class IncidentesConfig(AppConfig):
    name = "incidentes"
    verbose_name = "Incidentes"
