"""Reads that may be slightly stale, served by a read-only streaming replica.

With ``DATABASE_REPLICA_URL`` set, settings add the ``replica`` alias and this router. Only
code inside ``leer_de_replica`` (reports, search, exports: docs/operacion.md) reads there; every
other read, every write, anything while the primary is inside a transaction and the rest of a
unit of work (a request, a Celery task) after it wrote use the primary. Routing by model
instead would send every read of the hot paths (console, detail, the reads of a state change
before its lock) to a copy that may be seconds behind: read-your-writes breaks where users
notice it, and a router cannot tell "a report" from "the page after my POST". Naming the few
call sites that tolerate staleness keeps that decision where the code knows it.

A replica that is down, not answering, or behind by more than ``REPLICA_RETRASO_MAXIMO``
seconds is skipped (logged when its state changes, counted in ``contadores()``): the read goes
to the primary and nothing fails. Migrations never run on the replica.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

ALIAS = "replica"

# Lag in seconds. A replica whose WAL receiver is connected and has replayed all it received is
# current (0): pg_last_xact_replay_timestamp() alone is the time of the last replayed commit,
# which grows while the primary is idle although nothing is missing.
SQL_RETRASO = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
                 AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()),
                          'Infinity')
       END::float8
"""


@dataclass
class _Unidad:
    """One unit of work (request, task): once it wrote, its reads stay on the primary."""

    escribio: bool = False


@dataclass
class _Bloque:
    """One ``leer_de_replica`` block: whether it may use the replica, and whether it did."""

    aunque_haya_escrito: bool = False
    uso_replica: bool = False


_unidad: ContextVar[_Unidad | None] = ContextVar("cgii_bd_unidad", default=None)
_bloque: ContextVar[_Bloque | None] = ContextVar("cgii_bd_bloque", default=None)

_cerrojo = threading.Lock()
_contadores: dict[str, int] = {}
_salud: dict = {"hasta": 0.0, "ok": False, "motivo": "sin comprobar", "retraso": None}


def configurada() -> bool:
    return ALIAS in settings.DATABASES


def _contar(clave: str) -> None:
    with _cerrojo:
        _contadores[clave] = _contadores.get(clave, 0) + 1


def contadores() -> dict[str, int]:
    """Reads routed by this process since it started: ``replica``, and the primary's with
    the reason (``primaria_caida``, ``primaria_retraso``, ``primaria_transaccion``,
    ``primaria_escritura``, ``reintento_primaria``)."""
    with _cerrojo:
        return dict(_contadores)


def estado() -> dict:
    """The last health verdict (for /salud/ and the tests)."""
    with _cerrojo:
        return {k: _salud[k] for k in ("ok", "motivo", "retraso")} | {"contadores":
                                                                      dict(_contadores)}


def olvidar_estado() -> None:
    """Forget the cached verdict: the next read checks again (tests, after a failure)."""
    with _cerrojo:
        _salud["hasta"] = 0.0


def _parametros_conexion() -> dict:
    d = settings.DATABASES[ALIAS]
    opciones = d.get("OPTIONS", {})
    parametros = {"dbname": d.get("NAME") or "postgres",
                  "connect_timeout": opciones.get("connect_timeout", 3), "autocommit": True}
    for clave, nombre in (("HOST", "host"), ("PORT", "port"), ("USER", "user"),
                          ("PASSWORD", "password")):
        if d.get(clave):
            parametros[nombre] = d[clave]
    for clave in ("sslmode", "sslrootcert", "sslcert", "sslkey", "options"):
        if clave in opciones:
            parametros[clave] = opciones[clave]
    return parametros


def _comprobar() -> tuple[bool, str, float | None]:
    """A short connection of its own (not a pooled one: with the replica down the pool
    would hold the request for its whole timeout; a refused connection fails at once)."""
    import psycopg

    try:
        with psycopg.connect(**_parametros_conexion()) as conexion:
            _, retraso = conexion.execute(SQL_RETRASO).fetchone()
    except psycopg.Error as exc:
        return False, f"caída: {str(exc).strip()[:200]}", None
    if retraso > settings.REPLICA_RETRASO_MAXIMO:
        return False, "retraso", retraso
    return True, "", retraso


def _marcar(ok: bool, motivo: str, retraso: float | None) -> None:
    with _cerrojo:
        if ok != _salud["ok"] or (not ok and motivo[:6] != _salud["motivo"][:6]):
            if ok:
                log.info("Réplica de lectura disponible (retraso %.1f s)", retraso or 0.0)
            else:
                log.warning("Réplica de lectura omitida, se lee de la primaria: %s%s", motivo,
                            f" ({retraso:.1f} s)" if retraso is not None else "")
        _salud.update(ok=ok, motivo=motivo, retraso=retraso,
                      hasta=time.monotonic() + settings.REPLICA_COMPROBAR_CADA)


def replica_disponible() -> bool:
    """The cached verdict, re-checked every REPLICA_COMPROBAR_CADA seconds per process."""
    with _cerrojo:
        vigente = time.monotonic() < _salud["hasta"]
        ok = _salud["ok"]
    if vigente:
        return ok
    ok, motivo, retraso = _comprobar()
    _marcar(ok, motivo, retraso)
    return ok


def marcar_escritura() -> None:
    unidad = _unidad.get()
    if unidad is None:
        unidad = _Unidad()
        _unidad.set(unidad)
    unidad.escribio = True


def _alias_lectura() -> str:
    bloque = _bloque.get()
    if bloque is None or not configurada():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        _contar("primaria_transaccion")
        return DEFAULT_DB_ALIAS
    unidad = _unidad.get()
    if unidad is not None and unidad.escribio and not bloque.aunque_haya_escrito:
        _contar("primaria_escritura")
        return DEFAULT_DB_ALIAS
    if not replica_disponible():
        _contar("primaria_retraso" if _salud["motivo"] == "retraso" else "primaria_caida")
        return DEFAULT_DB_ALIAS
    bloque.uso_replica = True
    _contar("replica")
    return ALIAS


def conexion_lectura():
    """The connection for raw SQL of a stale-tolerant read (``connection`` otherwise)."""
    return connections[_alias_lectura()]


class leer_de_replica:  # noqa: N801 - used like contextlib's context managers
    """Reads inside may be served by the replica (writes never: they go to the primary).

    As a context manager it only routes. As a decorator it also retries the function once on
    the primary when the replica fails in the middle of it (a connection error after the
    last health check said it was fine): only for functions that only read, which is what
    the call sites are. ``aunque_haya_escrito``: the unit of work's earlier writes do not
    matter to these reads (the background report marks itself "generating" first)."""

    def __init__(self, funcion=None, *, aunque_haya_escrito: bool = False):
        self.aunque_haya_escrito = aunque_haya_escrito
        self._tokens: list = []
        if funcion is not None:
            functools.update_wrapper(self, funcion)
        self._funcion = funcion

    def __enter__(self):
        self._tokens.append(_bloque.set(_Bloque(aunque_haya_escrito=self.aunque_haya_escrito)))
        return self

    def __exit__(self, tipo, exc, tb):
        bloque = _bloque.get()
        _bloque.reset(self._tokens.pop())
        if (exc is not None and bloque is not None and bloque.uso_replica
                and isinstance(exc, OperationalError | InterfaceError)):
            _marcar(False, f"caída: {str(exc).strip()[:200]}", None)
        return False

    def __get__(self, instancia, propietario):
        # Decorating a method: bind like a function would.
        return self if instancia is None else functools.partial(self.__call__, instancia)

    def __call__(self, *args, **kwargs):
        if self._funcion is None:  # @leer_de_replica(aunque_haya_escrito=True)
            return leer_de_replica(args[0], aunque_haya_escrito=self.aunque_haya_escrito)
        bloque = _Bloque(aunque_haya_escrito=self.aunque_haya_escrito)
        token = _bloque.set(bloque)
        try:
            return self._funcion(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if not bloque.uso_replica:
                raise
            _marcar(False, f"caída: {str(exc).strip()[:200]}", None)
        finally:
            _bloque.reset(token)
        _contar("reintento_primaria")
        return self._funcion(*args, **kwargs)


class EnrutadorReplica:
    """DATABASE_ROUTERS entry when the replica is configured (cgii/settings.py)."""

    def db_for_read(self, model, **hints):
        # Always an alias, never None: Django would otherwise fall back to the hinted
        # instance's database, and an object read from the replica would pull its
        # relations from there outside any ``leer_de_replica`` block.
        return _alias_lectura()

    def db_for_write(self, model, **hints):
        marcar_escritura()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        aliases = {DEFAULT_DB_ALIAS, ALIAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == ALIAS else None


class UnidadDeTrabajoMiddleware:
    """Each request starts a fresh unit of work (whether it wrote is per request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _unidad.set(_Unidad())
        try:
            return self.get_response(request)
        finally:
            _unidad.reset(token)


def nueva_unidad() -> None:
    """Start a fresh unit of work in this context (what a request or a task gets): earlier
    writes no longer keep ``leer_de_replica`` reads on the primary."""
    _unidad.set(_Unidad())


_tokens_tarea: dict[str, object] = {}


def _tarea_inicia(task_id=None, **kwargs) -> None:
    # A worker thread runs task after task in one context: each task starts clean. An eager
    # task (embedded mode) runs inside the caller's context: postrun gives the caller's
    # unit back, so a request that wrote still reads from the primary after it.
    _tokens_tarea[task_id] = _unidad.set(_Unidad())


def _tarea_termina(task_id=None, **kwargs) -> None:
    token = _tokens_tarea.pop(task_id, None)
    if token is not None:
        try:
            _unidad.reset(token)
        except ValueError:  # set in another context (not expected): leave it
            pass


try:
    from celery.signals import task_postrun, task_prerun
except ImportError:  # pragma: no cover - celery is in the lock
    pass
else:
    task_prerun.connect(_tarea_inicia, weak=False, dispatch_uid="cgii_bd_unidad_inicia")
    task_postrun.connect(_tarea_termina, weak=False, dispatch_uid="cgii_bd_unidad_termina")
