from django.apps import AppConfig


class IndicadoresConfig(AppConfig):
    name = "incidentes.indicadores"
    label = "indicadores"
    verbose_name = "Indicadores (STIX/TAXII)"
