"""Sealing an audit partition before retention drops it (cgii.bd.particiones)."""

from django.db import connection

from cgii.auditoria.models import AnclaAuditoria
from cgii.auditoria.services import _bloquear_cadena, auditoria_registrar

ACCION_PARTICION_ELIMINADA = "auditoria.particion_eliminada"


def anclar_particion(*, tabla: str, particion: str, desde, hasta) -> AnclaAuditoria | None:
    """Record the dropped partition's last hash, last secuencia, count and range, and audit
    the drop itself, in the caller's (dropping) transaction. None for an empty partition.

    Retention drops audit partitions oldest first and only a prefix (``solo_prefijo``), so
    what remains is a chain whose first row links to this anchor's ``ultimo_hash``.
    """
    _bloquear_cadena()
    with connection.cursor() as cursor:
        # Read straight from the partition: the hash of its newest row is the link the
        # next remaining row carries in hash_anterior.
        cursor.execute(
            f'SELECT min(secuencia), max(secuencia), count(*), min(momento), max(momento) '
            f'FROM "{particion}"')
        primera, ultima, cantidad, momento_desde, momento_hasta = cursor.fetchone()
        if not cantidad:
            return None
        cursor.execute(f'SELECT hash FROM "{particion}" WHERE secuencia = %s', [ultima])
        ultimo_hash = cursor.fetchone()[0]
    ancla = AnclaAuditoria.objects.create(
        particion=particion, desde_secuencia=primera, hasta_secuencia=ultima,
        ultimo_hash=ultimo_hash, cantidad=cantidad, momento_desde=momento_desde,
        momento_hasta=momento_hasta)
    auditoria_registrar(actor="mantenimiento de particiones", accion=ACCION_PARTICION_ELIMINADA,
                        datos=datos_de(ancla) | {"rango": [desde, hasta]})
    return ancla


def datos_de(ancla: AnclaAuditoria) -> dict:
    """What the drop's audit row repeats of the anchor (and verification compares)."""
    return {"particion": ancla.particion, "desde_secuencia": ancla.desde_secuencia,
            "hasta_secuencia": ancla.hasta_secuencia, "ultimo_hash": ancla.ultimo_hash,
            "cantidad": ancla.cantidad}
