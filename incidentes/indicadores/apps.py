from django.apps import AppConfig


class IndicadoresConfig(AppConfig):
    name = "incidentes.indicadores"
    label = "indicadores"
    verbose_name = "Indicadores (STIX/TAXII)"

    def ready(self):
        from . import (
            busqueda,  # noqa: F401 - registers the searchable documents (issue 9)
            trigramas,
        )

        trigramas.registrar()
