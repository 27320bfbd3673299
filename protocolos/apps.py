from django.apps import AppConfig


class ProtocolosConfig(AppConfig):
    name = "protocolos"
    verbose_name = "Protocolos y SLA"

    def ready(self):
        # What this app plugs into core: complemento.py.
        from cgii.complementos import conectar

        from .complemento import COMPLEMENTO

        conectar(COMPLEMENTO)
