from django.apps import AppConfig

PURGA_CADA_SEGUNDOS = 6 * 3600  # old generated files (services.reportes_purgar)


class ReportesConfig(AppConfig):
    """Generic report infrastructure: renderers (HTML, PDF, XLSX, CSV), the generic views and
    the asynchronous generation of large files. Domain apps register their report types
    from their own ``ready()`` (see ``registro``); this app imports none of them."""

    name = "cgii.reportes"
    label = "reportes"
    verbose_name = "Reportes"

    def ready(self):
        from django.conf import settings

        if settings.EMBEBIDO:
            from cgii.eventos.embebido import registrar_periodica

            from .services import reportes_purgar

            registrar_periodica(nombre="reportes.purgar", cada_segundos=PURGA_CADA_SEGUNDOS,
                                funcion=reportes_purgar)
