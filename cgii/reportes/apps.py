from django.apps import AppConfig


class ReportesConfig(AppConfig):
    """Generic report infrastructure: renderers (HTML, PDF, XLSX, CSV), the generic views and
    the asynchronous generation of large files. Domain apps register their report types
    from their own ``ready()`` (see ``registro``); this app imports none of them."""

    name = "cgii.reportes"
    label = "reportes"
    verbose_name = "Reportes"
    # Periodic purge of old files: periodicas.py (read by beat and the embedded ticker).

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from cgii.complementos import EntradaMenu, registrar_menu

        from .contexto import puede_ver_alguno

        # Core's links of the main navigation, declared like the apps' (cgii.complementos).
        registrar_menu("cgii.reportes", (
            EntradaMenu(_("Tablero"), "tablero", orden=80),
            EntradaMenu(_("Reportes"), "reportes:indice", orden=90, permiso=puede_ver_alguno,
                        activa=("reportes:*",)),
        ))
