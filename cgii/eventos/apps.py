from django.apps import AppConfig


class EventosConfig(AppConfig):
    name = "cgii.eventos"
    label = "eventos"
    verbose_name = "Eventos"

    def ready(self):
        from . import notificaciones

        notificaciones.conectar()
