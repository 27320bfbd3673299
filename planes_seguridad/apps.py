from django.apps import AppConfig


class PlanesSeguridadConfig(AppConfig):
    name = "planes_seguridad"
    verbose_name = "Planes de seguridad (PISI)"

    def ready(self):
        # What this app plugs into core: complemento.py; its periodic jobs: periodicas.py.
        from cgii.complementos import conectar

        from .complemento import COMPLEMENTO

        conectar(COMPLEMENTO)
