"""Periodic jobs, each declared once and run by whichever runner the profile has.

An app declares its jobs in its own ``periodicas.py`` as plain data (no Django import, so
Celery can read it before the apps are ready)::

    PERIODICAS = [Periodica("incidentes.sla", 30, "incidentes.services.monitor.sla_barrido",
                            expira=60)]

Both runners read the same declarations from ``INSTALLED_APPS``: Celery beat (full stack,
``cgii.celery`` adds one entry per job running the generic task ``cgii.periodica``) and the
embedded ticker (``ejecutar_vencidas``, called on each turn of ``cgii.eventos.embebido``).
Jobs must be idempotent: a turn of the ticker and a beat run may overlap.
"""

import logging
import time
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string, module_has_submodule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodica:
    nombre: str
    cada_segundos: float
    funcion: str                  # dotted path of a callable taking no argument
    expira: float | None = None   # beat drops a run not started by then (default: one period)


def _modulos_de_apps() -> list[str]:
    return [getattr(app, "name", app) for app in settings.INSTALLED_APPS]


def declaradas() -> list[Periodica]:
    """Every app's ``periodicas.PERIODICAS``, in INSTALLED_APPS order."""
    salida: dict[str, Periodica] = {}
    for nombre_app in _modulos_de_apps():
        try:
            paquete = import_module(nombre_app)
        except ImportError:
            continue
        if not module_has_submodule(paquete, "periodicas"):
            continue
        for p in import_module(f"{nombre_app}.periodicas").PERIODICAS:
            if p.cada_segundos <= 0:
                raise ValueError(f"{p.nombre}: cada_segundos debe ser positivo.")
            salida[p.nombre] = p
    return list(salida.values())


def ejecutar(nombre: str):
    """Run one declared job now (the beat task calls this with the job's name)."""
    for p in declaradas():
        if p.nombre == nombre:
            return import_string(p.funcion)()
    raise LookupError(f"Tarea periódica no declarada: {nombre}")


# ---- the embedded ticker's side ---------------------------------------------------------

_proximas: dict[str, float] = {}


def ejecutar_vencidas(ahora: float | None = None) -> list[str]:
    """Run the jobs whose period has elapsed (first run one period after the first call).
    Errors are logged, never raised: one failing job does not stop the others."""
    ahora = time.monotonic() if ahora is None else ahora
    hechas = []
    for p in declaradas():
        proxima = _proximas.setdefault(p.nombre, ahora + p.cada_segundos)
        if proxima > ahora:
            continue
        _proximas[p.nombre] = ahora + p.cada_segundos
        try:
            import_string(p.funcion)()
            hechas.append(p.nombre)
        except Exception:
            logger.exception("Error en la tarea periódica %s", p.nombre)
        finally:
            close_old_connections()  # the ticker thread's connection may have gone stale
    return hechas


# The platform's own jobs (the "cgii" app's periodicas is this module).
PERIODICAS = [
    # Partitions of the coming months/years, and retention (cgii/bd/particiones.py). Every
    # 6 hours: idempotent, and months ahead are created long before they are needed.
    Periodica("cgii.particiones", 6 * 3600, "cgii.bd.particiones.mantener", expira=3600),
]
