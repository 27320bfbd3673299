"""Recompute the audit chain and report the first broken link."""

from dataclasses import dataclass

from django.db import transaction

from cgii.auditoria.cadena import CAMPOS_HASH, HASH_INICIAL, calcular_hash
from cgii.auditoria.models import RegistroAuditoria

ALTERADO = "registro alterado"
FALTANTE = "registro faltante"
ENLACE_ROTO = "enlace roto"


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


def cadena_verificar(*, desde: int = 1, lote: int = 2000) -> Resultado:
    """Stream rows in ``secuencia`` order, memory-flat, stopping at the first break.

    With ``desde > 1`` the stored hash of row ``desde - 1`` is trusted as the anchor.
    Deleting the newest rows cannot be seen from inside the chain: compare the reported
    head (last secuencia/hash) with a copy kept elsewhere.
    """
    if desde < 1:
        raise ValueError("desde debe ser >= 1")
    # One transaction so PostgreSQL streams from a plain server-side cursor instead of
    # materialising a WITH HOLD cursor, as it does in autocommit.
    with transaction.atomic():
        esperado, hash_anterior = desde, HASH_INICIAL
        if desde > 1:
            ancla = (RegistroAuditoria.objects.filter(secuencia=desde - 1)
                     .values_list("hash", flat=True).first())
            if ancla is None:
                return Resultado(0, None, None, Ruptura(
                    desde - 1, FALTANTE, f"no existe el registro {desde - 1} usado como ancla"))
            hash_anterior = ancla
        filas = RegistroAuditoria.objects.order_by("secuencia").values(*CAMPOS_HASH, "hash")
        if desde > 1:
            filas = filas.filter(secuencia__gte=desde)
        contados = 0
        for fila in filas.iterator(chunk_size=lote):
            ruptura = _revisar(fila, esperado, hash_anterior)
            if ruptura is not None:
                return Resultado(contados, esperado - 1 if contados else None,
                                 hash_anterior if contados else None, ruptura)
            contados += 1
            esperado += 1
            hash_anterior = fila["hash"]
    return Resultado(contados, esperado - 1 if contados else None,
                     hash_anterior if contados else None, None)


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
