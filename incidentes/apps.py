from django.apps import AppConfig

SLA_CADA_SEGUNDOS = 30
AUTOCIERRE_CADA_SEGUNDOS = 3600


class IncidentesConfig(AppConfig):
    name = "incidentes"
    verbose_name = "Incidentes"

    def ready(self):
        from django.conf import settings

        from cgii.registros import registrar_demo
        from protocolos.services import registrar_manejador_cruce

        from . import notificaciones
        from .demo import crear_incidentes_demo
        from .services import monitor

        notificaciones.conectar()
        from . import busqueda  # noqa: F401 - registers the searchable documents (issue 9)
        registrar_manejador_cruce("incidente", monitor.al_cruzar)
        registrar_demo("incidentes", crear_incidentes_demo, orden=50)
        from .reportes import tipos as tipos_reporte

        tipos_reporte.registrar()  # "gestion-incidentes" (issue 8 §3)
        from .reportes import panel

        panel.registrar()  # the incidents panel of /tablero/
        if settings.EMBEBIDO:
            from cgii.eventos.embebido import registrar_periodica

            registrar_periodica(nombre="incidentes.sla", cada_segundos=SLA_CADA_SEGUNDOS,
                                funcion=monitor.sla_barrido)
            registrar_periodica(nombre="incidentes.autocierre",
                                cada_segundos=AUTOCIERRE_CADA_SEGUNDOS,
                                funcion=monitor.autocerrar_resueltos)
