from django.apps import AppConfig


class IdempotenciaConfig(AppConfig):
    """Its periodic purge of expired keys is declared in periodicas.py."""

    name = "cgii.idempotencia"
    label = "idempotencia"
    verbose_name = "Idempotencia"
