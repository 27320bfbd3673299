from django.apps import AppConfig


class PlanesSeguridadConfig(AppConfig):
    name = "planes_seguridad"
    verbose_name = "Planes de seguridad (PISI)"

    def ready(self):
        from cgii.eventos.registro import registrar_manejador
        from cgii.registros import registrar_catalogo, registrar_demo

        from . import cargador
        from .services import incidentes

        # After the protocols (10): PISI deadlines use their business calendar.
        registrar_catalogo("planes_seguridad", cargador.cargar_todo, orden=200)
        from . import busqueda  # noqa: F401 - registers the searchable documents (issue 9)
        registrar_manejador(nombre=incidentes.NOMBRE_MANEJADOR, tipos=incidentes.TIPOS,
                            funcion=incidentes.hallazgos_de_incidente)
        # Pages, PDF and demo (docs/pisi.md): the summary PDF at conformity; demo plans.
        from . import demo, pdf

        registrar_manejador(nombre=pdf.NOMBRE_MANEJADOR, tipos=pdf.TIPOS,
                            funcion=pdf.resumen_al_conformar)
        registrar_demo("planes_seguridad", demo.cargar_demo, orden=60)
        # The bell and e-mail of whoever must act on a plan (docs/pisi.md).
        from . import notificaciones

        notificaciones.conectar()
        # Reports (issue 8): entity compliance and national (docs/reportes.md).
        from .reportes import panel, tipos

        tipos.registrar()
        panel.registrar()  # the PISI panel of /tablero/
        # Periodic jobs: periodicas.py (read by beat and the embedded ticker).
