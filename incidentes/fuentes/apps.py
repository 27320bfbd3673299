from django.apps import AppConfig


class FuentesConfig(AppConfig):
    name = "incidentes.fuentes"
    label = "fuentes"
    verbose_name = "Fuentes externas (IntelMQ)"

    def ready(self):
        # What this app plugs into core: complemento.py; its periodic jobs: periodicas.py.
        from cgii.complementos import conectar

        from .complemento import COMPLEMENTO

        conectar(COMPLEMENTO)
