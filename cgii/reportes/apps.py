from django.apps import AppConfig


class ReportesConfig(AppConfig):
    """Generic report infrastructure: renderers (HTML, PDF, XLSX, CSV), the generic views and
    the asynchronous generation of large files. Domain apps register their report types
    from their own ``ready()`` (see ``registro``); this app imports none of them."""

    name = "cgii.reportes"
    label = "reportes"
    verbose_name = "Reportes"
    # Periodic purge of old files: periodicas.py (read by beat and the embedded ticker).
