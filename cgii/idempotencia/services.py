"""Reserve a key, store the response it produced, forget it, purge expired ones.

``clave_reservar`` must run inside the transaction that will also hold the request's own
writes (drf.idempotente opens it): the key row is inserted first, so a concurrent request
with the same key blocks on the unique index until this transaction ends, and then replays
the stored response (commit) or takes the key itself (rollback).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from .errores import ClaveEnProceso, ClaveReutilizada
from .models import ClaveIdempotencia

log = logging.getLogger(__name__)

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired


def vigencia() -> timedelta:
    """How long a key is remembered (24 h; older keys are ignored and may be reused)."""
    return timedelta(hours=getattr(settings, "IDEMPOTENCIA_HORAS", 24))


def espera_maxima() -> float:
    """Seconds a duplicate waits for the first request with its key before answering 409:
    a client retrying a slow request must not pin one pooled connection per retry."""
    return float(getattr(settings, "IDEMPOTENCIA_ESPERA_SEGUNDOS", 10))


@dataclass(frozen=True)
class Reserva:
    fila_id: int
    nueva: bool  # False: an earlier request with this key holds a response to replay
    fila: ClaveIdempotencia | None = None


_ACTUALIZAR = (
    # A live key conflicts and returns nothing; an expired one is taken over in place (same
    # statement, so a concurrent taker waits on the row and then finds it fresh).
    "ON CONFLICT (usuario_id, clave) DO UPDATE SET huella = excluded.huella, "
    "metodo = excluded.metodo, ruta = excluded.ruta, codigo = NULL, cuerpo = NULL, "
    "cabeceras = NULL, creado = excluded.creado WHERE {tabla}.creado < %s"
)


def _insertar(cursor, valores: list, vencidas_antes_de) -> int | None:
    """Run the upsert; the new (or taken over) row's id, or None for a live earlier key."""
    tabla = connection.ops.quote_name(ClaveIdempotencia._meta.db_table)
    columnas = "usuario_id, clave, huella, metodo, ruta, creado"
    actualizar = _ACTUALIZAR.format(tabla=tabla)
    if connection.vendor != "postgresql":
        # SQLite (embedded) serialises writers at BEGIN IMMEDIATE with its own timeout.
        cursor.execute(f"INSERT INTO {tabla} ({columnas}) VALUES (%s, %s, %s, %s, %s, %s) "
                       f"{actualizar} RETURNING id", [*valores, vencidas_antes_de])
        fila = cursor.fetchone()
        return fila[0] if fila else None
    # Bound the wait on a concurrent first request (lock_timeout) for this statement only:
    # SET LOCAL would also bound the handler's own lock waits. The setting is changed as
    # the row to insert is produced (before the insert can wait) and the previous value
    # comes back with the row, to be put back; one round trip more than a plain insert.
    try:
        cursor.execute(
            f"WITH anterior AS MATERIALIZED (SELECT current_setting('lock_timeout') AS v), "
            f"espera AS MATERIALIZED (SELECT set_config('lock_timeout', %s, true) "
            f"FROM anterior) "
            f"INSERT INTO {tabla} ({columnas}) "
            f"SELECT %s::bigint, %s, %s, %s, %s, %s::timestamptz FROM espera "
            f"{actualizar} RETURNING id, (SELECT v FROM anterior)",
            [f"{int(espera_maxima() * 1000)}ms", *valores, vencidas_antes_de])
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise ClaveEnProceso() from None
        raise
    fila = cursor.fetchone()
    # On a conflict nothing comes back; only the replay's own short reads follow.
    if fila is None:
        return None
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [fila[1]])
    return fila[0]


def clave_reservar(*, usuario, clave: str, huella: str, metodo: str, ruta: str,
                   ahora=None) -> Reserva:
    """Insert the key (or take over an expired one) in the caller's transaction, or return
    the live earlier row. Raises ClaveReutilizada (422) when that row was another request,
    ClaveEnProceso (409) when its request still runs after ``espera_maxima()``."""
    if not connection.in_atomic_block:
        raise RuntimeError("clave_reservar debe llamarse dentro de transaction.atomic().")
    ahora = ahora or timezone.now()
    adaptar = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        fila_id = _insertar(cursor, [usuario.pk, clave, huella, metodo, ruta, adaptar(ahora)],
                            adaptar(ahora - vigencia()))
    if fila_id is not None:
        return Reserva(fila_id=fila_id, nueva=True)
    previa = ClaveIdempotencia.objects.get(usuario_id=usuario.pk, clave=clave)
    if previa.huella != huella:
        raise ClaveReutilizada(extra={"metodo": previa.metodo, "ruta": previa.ruta})
    if previa.codigo is None:
        # Not reachable through drf.idempotente (a row commits only with its response);
        # answer as if it were still running rather than replay nothing.
        raise ClaveEnProceso()
    return Reserva(fila_id=previa.pk, nueva=False, fila=previa)


def clave_guardar_respuesta(*, fila_id: int, codigo: int, cuerpo: str | None,
                            cabeceras: dict) -> None:
    ClaveIdempotencia.objects.filter(pk=fila_id).update(codigo=codigo, cuerpo=cuerpo,
                                                        cabeceras=cabeceras or None)


def clave_liberar(*, fila_id: int) -> None:
    """Forget a key whose request was refused (4xx), keeping what the handler itself chose
    to record: a retry with the same key runs again."""
    ClaveIdempotencia.objects.filter(pk=fila_id).delete()


def claves_purgar(*, ahora=None) -> int:
    """Delete expired keys (the periodic job; they are already ignored when met)."""
    limite = (ahora or timezone.now()) - vigencia()
    with transaction.atomic():
        borradas, _detalle = ClaveIdempotencia.objects.filter(creado__lt=limite).delete()
    if borradas:
        log.info("Claves de idempotencia purgadas: %d (anteriores a %s)", borradas, limite)
    return borradas
