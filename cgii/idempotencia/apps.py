from django.apps import AppConfig

PURGA_CADA_SEGUNDOS = 3600  # expired keys (services.claves_purgar)


class IdempotenciaConfig(AppConfig):
    name = "cgii.idempotencia"
    label = "idempotencia"
    verbose_name = "Idempotencia"

    def ready(self):
        from django.conf import settings

        if settings.EMBEBIDO:
            from cgii.eventos.embebido import registrar_periodica

            from .services import claves_purgar

            registrar_periodica(nombre="idempotencia.purgar", cada_segundos=PURGA_CADA_SEGUNDOS,
                                funcion=claves_purgar)
