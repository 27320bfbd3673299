"""A web worker freezes its start-up objects out of the garbage collector's way
(cgii/memoria.py: a full collection over them cost ~120 ms in the middle of a request)."""

import os
import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]

PROGRAMA = """
import gc
import cgii.asgi
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_el_proceso_web_congela_lo_cargado_al_arrancar():
    entorno = {**os.environ, "DJANGO_SETTINGS_MODULE": "cgii.settings",
               "CGII_TAREAS_EMBEBIDAS": "0"}
    salida = subprocess.run([sys.executable, "-c", PROGRAMA], cwd=RAIZ, env=entorno,
                            capture_output=True, text=True, timeout=120, check=True)
    congelados, sueltos = map(int, salida.stdout.split()[-2:])
    # Django, DRF, Celery and the apps: far more than 100,000 objects, all frozen; what
    # the collector still walks is what the process allocates from here on.
    assert congelados > 100_000
    assert sueltos < congelados / 10


def test_congelar_devuelve_cuantos_quedan_fuera_del_recolector():
    import gc

    from cgii.memoria import congelar_arranque

    try:
        # Not equal to a later get_freeze_count(): a frozen object freed by its reference
        # count (a temporary of the test run) leaves the permanent generation.
        assert congelar_arranque() > 0 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process keeps collecting as before
