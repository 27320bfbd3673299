"""Run by tests/bench/test_semillas.py in a subprocess whose DATABASE_URL names a database of
the test's own: the seeding of bench/sla_sweep.py, bench/incidentes.py and bench/reportes.py
at a tiny size, each twice in a row, in the orders given as arguments (comma-separated
names), all in that ONE database — the hard case; by default each bench has its own.

Each step is what the bench does before and after measuring: its ``asegurar_*`` seeding
functions (the bench's own code, loaded from bench/), then what the bench leaves behind —
sla_sweep.py's real sweep (``barrer``); for incidentes.py a few reports through the real
service, as its intake does over HTTP, then its own clean-up (``restaurar``). After each
step one line ``PASO {json}``: whether it seeded, and the row counts the test checks.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import _comun  # noqa: E402

_comun.preparar()  # DATABASE_URL comes from the test

from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from incidentes.models import ContadorIncidente, Incidente  # noqa: E402
from planes_seguridad.models import PlanInstitucional  # noqa: E402
from protocolos.models import CruceSLA, RelojSLA  # noqa: E402

# Different sizes where two benches seed the same tables, as their defaults are.
N_SLA, N_INCIDENTES, N_REPORTES, ENTIDADES_PISI, REPORTES_INTAKE = 40, 60, 45, 32, 4


def cargar(nombre: str):
    """A bench script as a module (bench/incidentes.py must not shadow the incidentes app)."""
    spec = importlib.util.spec_from_file_location(f"bench_{nombre}", BENCH / f"{nombre}.py")
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    return modulo


def _relojes(ambito: str) -> int:
    return RelojSLA.objects.filter(ambito=ambito).count()


def paso_sla_sweep(m) -> dict:
    referencia, segundos = m.asegurar_semilla(N_SLA, False)
    barrido = m.barrer(referencia)
    return {"sembro": segundos is not None, "relojes_bench": _relojes("bench"),
            "cruces_bench": CruceSLA.objects.filter(reloj__ambito="bench").count(),
            "barridos": barrido["procesados"]}


def paso_incidentes(m) -> dict:
    from incidentes.services import incidente_reportar

    segundos = m.asegurar_semilla(N_INCIDENTES, False)
    entidades, reportantes, _ = m.semilla.personas()
    for i in range(REPORTES_INTAKE):
        incidente_reportar(actor=reportantes[entidades[0].pk], entidad=entidades[0],
                           titulo=f"Reporte de prueba {i}", descripcion="Intake simulado.",
                           detectado_en=timezone.now() - timedelta(minutes=5))
    reportados = Incidente.objects.count() - N_INCIDENTES
    meta = _comun.meta_leer(m.CLAVE_META)
    borrados = m.restaurar(meta)
    ids = Incidente.objects.values_list("pk", flat=True)
    return {"sembro": segundos is not None, "reportados": reportados, "borrados": borrados,
            "incidentes": Incidente.objects.count(),
            "ultimo_id_es_el_de_la_semilla": Incidente.objects.aggregate(m=Max("pk"))["m"]
            == meta["ultimo_id"],
            "contadores_restaurados": {str(a): u for a, u in ContadorIncidente.objects
                                       .values_list("anio", "ultimo")} == meta["contadores"],
            "relojes_huerfanos": RelojSLA.objects.filter(ambito="incidente")
            .exclude(objeto_id__in=ids).count()}


def paso_reportes(m) -> dict:
    segundos_inc = m.asegurar_incidentes(N_REPORTES, False)
    meta, segundos_pisi = m.asegurar_pisi(False, ENTIDADES_PISI)
    return {"sembro": segundos_inc is not None, "sembro_pisi": segundos_pisi is not None,
            "incidentes": Incidente.objects.count(), "relojes_incidente": _relojes("incidente"),
            "cruces_incidente": CruceSLA.objects.filter(reloj__ambito="incidente").count(),
            "planes": PlanInstitucional.objects.count(), "planes_meta": meta["planes"]}


def main() -> int:
    modulos = {n: cargar(n) for n in ("sla_sweep", "incidentes", "reportes")}
    pasos = {"sla_sweep": paso_sla_sweep, "incidentes": paso_incidentes,
             "reportes": paso_reportes}
    for orden in sys.argv[1:]:
        for nombre in orden.split(","):
            for vuelta in (1, 2):
                resultado = pasos[nombre](modulos[nombre])
                print("PASO " + json.dumps({"orden": orden, "bench": nombre, "vuelta": vuelta,
                                            **resultado}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
