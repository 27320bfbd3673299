from django.apps import AppConfig


class ProtocolosConfig(AppConfig):
    name = "protocolos"
    verbose_name = "Protocolos y SLA"
