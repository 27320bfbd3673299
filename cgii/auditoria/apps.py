from django.apps import AppConfig


class AuditoriaConfig(AppConfig):
    name = "cgii.auditoria"
    label = "auditoria"
    verbose_name = "Auditoría"
