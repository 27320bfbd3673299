"""Recompute the audit chain and report the first broken link."""

from dataclasses import dataclass

from django.db import transaction

from cgii.auditoria.anclas import ACCION_PARTICION_ELIMINADA, datos_de
from cgii.auditoria.cadena import CAMPOS_HASH, HASH_INICIAL, calcular_hash
from cgii.auditoria.models import AnclaAuditoria, RegistroAuditoria

ALTERADO = "registro alterado"
FALTANTE = "registro faltante"
ENLACE_ROTO = "enlace roto"
ANCLA_NO_CONFIRMADA = "ancla no confirmada"


@dataclass(frozen=True)
class Ruptura:
    secuencia: int
    tipo: str
    detalle: str


@dataclass(frozen=True)
class Resultado:
    registros: int
    ultima_secuencia: int | None
    ultimo_hash: str | None
    ruptura: Ruptura | None

    @property
    def integra(self) -> bool:
        return self.ruptura is None


def cadena_verificar(*, desde: int | None = None, lote: int = 2000) -> Resultado:
    """Stream rows in ``secuencia`` order, memory-flat, stopping at the first break.

    Without ``desde`` the walk starts at the first stored row: 1, or, after retention
    dropped the oldest audit partitions, the row after the newest anchor
    (``AnclaAuditoria``), whose ``ultimo_hash`` that row must link to. Such an anchor is only
    trusted when the remaining chain holds the audit row that recorded it with the same
    values (``anclas.anclar_particion``): a forged anchor is a break.
    With ``desde > 1`` the stored hash of row ``desde - 1`` (or its anchor) is the start.
    Deleting the newest rows cannot be seen from inside the chain: compare the reported
    head (last secuencia/hash) with a copy kept elsewhere.
    """
    if desde is not None and desde < 1:
        raise ValueError("desde debe ser >= 1")
    # One transaction so PostgreSQL streams from a plain server-side cursor instead of
    # materialising a WITH HOLD cursor, as it does in autocommit.
    with transaction.atomic():
        if desde is None:
            desde = _primera_secuencia()
        esperado, hash_anterior, ancla = desde, HASH_INICIAL, None
        if desde > 1:
            hash_anterior = (RegistroAuditoria.objects.filter(secuencia=desde - 1)
                             .values_list("hash", flat=True).first())
            if hash_anterior is None:
                ancla = AnclaAuditoria.objects.filter(hasta_secuencia=desde - 1).first()
                if ancla is None:
                    return Resultado(0, None, None, Ruptura(
                        desde - 1, FALTANTE, f"no existe el registro {desde - 1} usado como ancla"))
                hash_anterior = ancla.ultimo_hash
        filas = RegistroAuditoria.objects.order_by("secuencia").values(*CAMPOS_HASH, "hash")
        if desde > 1:
            filas = filas.filter(secuencia__gte=desde)
        contados, confirmada = 0, ancla is None
        esperada = _confirmacion(ancla) if ancla is not None else None
        for fila in filas.iterator(chunk_size=lote):
            ruptura = _revisar(fila, esperado, hash_anterior)
            if ruptura is not None:
                return Resultado(contados, esperado - 1 if contados else None,
                                 hash_anterior if contados else None, ruptura)
            if not confirmada and fila["accion"] == ACCION_PARTICION_ELIMINADA:
                confirmada = _confirmacion(fila["datos"]) == esperada
            contados += 1
            esperado += 1
            hash_anterior = fila["hash"]
    ultima = esperado - 1 if contados else None
    if not confirmada:
        return Resultado(contados, ultima, hash_anterior if contados else None, Ruptura(
            ancla.hasta_secuencia, ANCLA_NO_CONFIRMADA,
            f"el ancla de la partición {ancla.particion} no figura en la cadena "
            "(ancla falsificada o alterada)"))
    return Resultado(contados, ultima, hash_anterior if contados else None, None)


def _primera_secuencia() -> int:
    """1, unless the rows before the newest anchor are gone (dropped by retention)."""
    ancla = AnclaAuditoria.objects.order_by("-hasta_secuencia").first()
    if ancla is None:
        return 1
    if RegistroAuditoria.objects.filter(secuencia__lte=ancla.hasta_secuencia).exists():
        return 1  # the anchored rows are still here: verify them too
    return ancla.hasta_secuencia + 1


def _confirmacion(ancla_o_datos) -> dict | None:
    if isinstance(ancla_o_datos, AnclaAuditoria):
        return datos_de(ancla_o_datos)
    if not isinstance(ancla_o_datos, dict):
        return None
    return {k: ancla_o_datos.get(k) for k in
            ("particion", "desde_secuencia", "hasta_secuencia", "ultimo_hash", "cantidad")}


def _revisar(fila: dict, esperado: int, hash_anterior: str) -> Ruptura | None:
    secuencia = fila["secuencia"]
    if secuencia > esperado:
        return Ruptura(esperado, FALTANTE,
                       f"falta el registro {esperado} (el siguiente presente es {secuencia})")
    if secuencia < esperado:
        # Only reachable from 1 with a forged row numbered 0.
        return Ruptura(secuencia, ALTERADO, f"secuencia {secuencia} fuera de la cadena")
    if calcular_hash(fila) != fila["hash"]:
        return Ruptura(secuencia, ALTERADO,
                       "el contenido no coincide con su hash (registro modificado o falsificado)")
    if fila["hash_anterior"] != hash_anterior:
        return Ruptura(secuencia, ENLACE_ROTO,
                       f"hash_anterior no coincide con el hash del registro {secuencia - 1} "
                       "(registro insertado o anterior reescrito)")
    return None
