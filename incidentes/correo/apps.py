from django.apps import AppConfig


class CorreoConfig(AppConfig):
    name = "incidentes.correo"
    label = "correo"
    verbose_name = "Correo de incidentes"

    def ready(self):
        # What mail intake plugs into core: complemento.py; its periodic job: periodicas.py.
        from cgii.complementos import conectar

        from .complemento import COMPLEMENTO

        conectar(COMPLEMENTO)
