"""The incident timeline, partitioned by year of ``creado`` (docs/particiones.md)."""

from cgii.bd.particiones import ANIO, TablaParticionada

PARTICIONES = [
    TablaParticionada("incidentes_entradatimeline", "creado", ANIO, "RETENCION_TIMELINE_DIAS"),
]
