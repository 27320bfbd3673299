"""bench/todos.py (``make bench``): it runs every bench script there is, its summary takes the
targets from the scripts' own constants, and a missing or failed figure is never a MET."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def todos():
    sys.path.insert(0, str(BENCH))  # todos imports _comun, which sets nothing up on import
    try:
        spec = importlib.util.spec_from_file_location("bench_todos", BENCH / "todos.py")
        modulo = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = modulo  # its dataclasses resolve annotations through it
        spec.loader.exec_module(modulo)
        yield modulo
    finally:
        sys.modules.pop("bench_todos", None)
        sys.path.remove(str(BENCH))


def test_corre_cada_script_de_bench(todos):
    scripts = {p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_")} - {"todos"}
    assert {b.nombre for b in todos.BENCHES} == scripts


def test_cada_objetivo_nombra_una_constante_del_script(todos):
    for bench in todos.BENCHES:
        constantes = todos.constantes(bench.nombre)
        for figura in bench.figuras:
            if figura.objetivo and isinstance(figura.objetivo[0], str):
                assert figura.objetivo[0] in constantes, (bench.nombre, figura.objetivo)
    assert todos.constantes("sla_sweep")["OBJETIVO_P95_MS"] == 1000.0


def test_veredictos(todos):
    p95 = todos.Figura("listado_p95_ms", "p95", "ms", ("OBJETIVO_P95_MS", "<"))
    objetivos = {"OBJETIVO_P95_MS": 1000.0}
    assert todos.veredicto(p95, {"listado_p95_ms": 12.5}, objetivos) == (
        "12.5 ms", "< 1000 ms", "MET")
    assert todos.veredicto(p95, {"listado_p95_ms": 1000.0}, objetivos)[2] == "NOT MET"
    assert todos.veredicto(p95, {}, objetivos)[2] == "NOT MEASURED"
    busqueda = todos.Figura("b_ms", "lookup", "ms", ("OBJETIVO_BUSQUEDA_S", "<"), escala=1000)
    assert todos.veredicto(busqueda, {"b_ms": 900}, {"OBJETIVO_BUSQUEDA_S": 1.0})[2] == "MET"
    # Patterns: fallas.py's per-scenario figures, summed; the baseline has no recovery time.
    faltan = todos.Figura("[a-z]+_eventos_faltantes", "missing", "", (0, "=="), patron=True)
    datos = {"base_eventos_faltantes": 0, "redis_eventos_faltantes": 2,
             "base_recuperacion_s": None, "redis_recuperacion_s": 3.5}
    assert todos.veredicto(faltan, datos, {}) == ("2", "0", "NOT MET")
    lento = todos.Figura("[a-z]+_recuperacion_s", "recovery", "s", patron=True, agregado="max")
    assert todos.veredicto(lento, datos, {}) == ("3.500 s", "–", "–")
    dup = todos.Figura("[a-z]+_duplicados", "dup", "", (0, "=="), patron=True)
    assert todos.veredicto(dup, {"base_duplicados": 0, "base_eventos_duplicados": 4}, {})[2] \
        == "MET"


def test_resumen_de_un_bench_fallido_y_uno_sin_objetivo(todos, tmp_path):
    por_nombre = {b.nombre: b for b in todos.BENCHES}
    fallido = todos.Corrida(por_nombre["sla_sweep"], codigo=1, json=tmp_path / "a.json")
    sin_objetivo = todos.Corrida(por_nombre["idempotencia"], codigo=0, json=tmp_path / "b.json",
                                 datos={"a_1_p50_ms": 20.0, "target_met": None})
    filas = todos.filas_resumen([fallido, sin_objetivo])
    assert filas[0][:3] == ["sla_sweep", "—", "FAILED (exit 1)"]
    assert filas[1][2] == "–" and filas[1][4] == "–"
    calma = todos.Calma((3.0, 2.0, 1.0), [("test_cgii", "active")], 0.5)
    texto = todos.resumen([fallido, sin_objetivo], calma, tmp_path, rapido=False)
    assert "NOT QUIET" in texto and "FAILED (exit 1)" in texto
