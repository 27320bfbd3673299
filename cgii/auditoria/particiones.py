"""The audit log, partitioned by year of ``momento`` (docs/particiones.md).

Kept forever by default. If a retention is configured, only the oldest years go, in order,
and each drop first records an anchor and an audit row (``anclas.anclar_particion``), so
``verificar_auditoria`` starts from the anchor and still detects tampering.
"""

from cgii.bd.particiones import ANIO, TablaParticionada

PARTICIONES = [
    TablaParticionada("auditoria_registroauditoria", "momento", ANIO, "RETENCION_AUDITORIA_DIAS",
                      antes_de_eliminar="cgii.auditoria.anclas.anclar_particion",
                      solo_prefijo=True),
]
