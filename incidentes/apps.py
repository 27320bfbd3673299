from django.apps import AppConfig


class IncidentesConfig(AppConfig):
    name = "incidentes"
    verbose_name = "Incidentes"

    def ready(self):
        from cgii.registros import registrar_demo
        from protocolos.services import registrar_manejador_cruce

        from . import notificaciones
        from .demo import crear_incidentes_demo
        from .services import monitor

        notificaciones.conectar()
        # The protocols' diagram draws this FSM (protocolos may not import incidentes).
        from cgii import fsm
        from protocolos.diagrama import registrar_fsm

        from .models import Incidente
        from .states import MAQUINA

        registrar_fsm(lambda: fsm.describir(Incidente, MAQUINA))
        from . import busqueda  # noqa: F401 - registers the searchable documents (issue 9)
        registrar_manejador_cruce("incidente", monitor.al_cruzar)
        registrar_demo("incidentes", crear_incidentes_demo, orden=50)
        from .reportes import tipos as tipos_reporte

        tipos_reporte.registrar()  # "gestion-incidentes" (issue 8 §3)
        from .reportes import panel

        panel.registrar()  # the incidents panel of /tablero/
        # Periodic jobs: periodicas.py (read by beat and the embedded ticker).
