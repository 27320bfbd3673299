"""SLA crossings, partitioned by year of ``umbral`` (docs/particiones.md).

``umbral`` (the threshold instant crossed), not ``detectado_en``: it is part of the unique
(clock, kind, threshold) that makes a sweep run twice record a crossing once, and a unique
constraint on a partitioned table must include the partition key. The two are minutes apart.
"""

from cgii.bd.particiones import ANIO, TablaParticionada

PARTICIONES = [
    TablaParticionada("protocolos_crucesla", "umbral", ANIO, "RETENCION_CRUCES_SLA_DIAS"),
]
