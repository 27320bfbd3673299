from django.apps import AppConfig


class IncidentesConfig(AppConfig):
    name = "incidentes"
    verbose_name = "Incidentes"

    def ready(self):
        # What this app plugs into core: complemento.py; its periodic jobs: periodicas.py.
        from cgii.complementos import conectar

        from .complemento import COMPLEMENTO

        conectar(COMPLEMENTO)
