"""The outbox, partitioned by month of ``creado`` (cgii.bd.particiones, docs/particiones.md).

A month goes only when every event in it was sent live (``entregado_en``) and no sink still
owes one of them (``EntregaSumidero``, a queue whose rows are deleted on delivery).
"""

from cgii.bd.particiones import MES, TablaParticionada

PARTICIONES = [
    TablaParticionada(
        "eventos_evento", "creado", MES, "RETENCION_EVENTOS_DIAS",
        retenidas_sql=(
            "SELECT 1 FROM {particion} p WHERE p.entregado_en IS NULL "
            "UNION ALL SELECT 1 FROM eventos_entregasumidero e JOIN {particion} p "
            "ON p.id = e.evento_id LIMIT 1"
        ),
    ),
]
