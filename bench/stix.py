"""Issues 6 and 22 targets: STIX import ≥ 25× faster than ``stix2.parse``; a 100,000-indicator
bundle imported in < 60 s and a 1,000,000-object one in < 120 s with memory bounded; 10,000
values looked up against the seeded store (10,000,000 for issue 22) in < 1 s.

    .venv/bin/python bench/stix.py [--json FILE] [--n 100000] [--semilla 1000000]
                                   [--grande 1000000] [--reset] [--solo-semilla]
                                   [--solo-rebanada [--repeticiones 5] [--perfil FILE]]

Uses its own database (DATABASE_URL, default postgres://…/cgii_bench_stix, created when
missing; refuses a name without "bench"). Steps:

1. seed --semilla indicators (COPY) each seen in one of 50 incidents (one link each) — once:
   a later run with the same size reuses it (bench_meta) and only removes what earlier
   imports wrote; ``--reset`` seeds again, ``--solo-semilla`` stops after seeding;
2. generate a 100,000-indicator bundle (IPv4, domains, URLs, e-mail, MD5/SHA-256, 1 % free
   patterns; TLP 2.0 and TLP 1.0 markings);
3. a 5,000-object slice: ``stix2.parse`` (objects/s) and our importer (objects/s, into
   PostgreSQL, synchronous path), best of 5 runs each, and the ratio (``--solo-rebanada``:
   only this step, with every run's wall time, this process's and the PostgreSQL backend's
   CPU time, medians and the load; ``--perfil`` adds a cProfile of one more import);
4. the whole bundle through ``stix_importar`` (above 4 MiB: the Celery task path, streamed;
   eager here because REDIS_URL is unset), total seconds and objects/s. Delivering the
   outbox (websocket fan-out, the search sink re-indexing the new indicators) is the
   dispatcher's work in production: it is left out of the import time and timed after it;
5. ``selectors.buscar_valores`` with 10,000 values (half stored, half not) for a CGII analyst
   and for an entity user (tenant filter on), wall time;
6. the 100,000 and the --grande (1,000,000) object bundles written to a file and imported by
   the task (streamed) in a child process each: seconds, and peak RSS growth over the
   child's RSS before the import (``ru_maxrss``); bounded means the big one grows the
   process at most 1.25× (+16 MiB) what the 100,000 one did.

bench/escala.py may import ``generar_bundle``, ``escribir_bundle`` (from bench/_bundle_stix.py), ``importar``,
``importar_en_proceso``, ``medir_busqueda`` and ``sembrar``/``asegurar_semilla``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from _bundle_stix import escribir_bundle, generar_bundle  # noqa: F401 (bench/escala.py)

RAIZ = Path(__file__).resolve().parent.parent
ENTORNO = {
    # CGII_BENCH_SUFIJO: see bench/_comun.py (bench/todos.py --rapido).
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cgii_bench_stix"
    + os.environ.get("CGII_BENCH_SUFIJO", ""),
    "DJANGO_SETTINGS_MODULE": "cgii.settings",
    "DJANGO_DEBUG": "0",
}
OBJETIVO_RATIO = 25.0
OBJETIVO_IMPORTACION_S = 60.0
OBJETIVO_GRANDE_S = 120.0
# Memory bounded: the big bundle's import may grow the process by at most this factor of
# what the 100,000-object one grew it (plus a little slack for allocator noise).
OBJETIVO_MEMORIA_FACTOR = 1.25
HOLGURA_MEMORIA_MIB = 16
OBJETIVO_BUSQUEDA_S = 1.0


def preparar() -> None:
    for clave, valor in ENTORNO.items():
        os.environ.setdefault(clave, valor)
    # Embedded profile for tasks: the import task runs eagerly in this process.
    os.environ.pop("REDIS_URL", None)
    url = os.environ["DATABASE_URL"]
    partes = urlparse(url)
    nombre = partes.path.lstrip("/")
    if "bench" not in nombre or not partes.scheme.startswith("postgres"):
        sys.exit(f"Refusing to run on «{nombre}»: use a dedicated PostgreSQL *bench* database.")
    import psycopg

    with psycopg.connect(partes._replace(path="/postgres").geturl(), autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nombre]).fetchone():
            c.execute(f'CREATE DATABASE "{nombre}"')
    sys.path.insert(0, str(RAIZ))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def vaciar() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE indicadores_objetostix, indicadores_indicadorincidente, "
                       "indicadores_valorbuscable, indicadores_indicador, "
                       "indicadores_importacionstix CASCADE")


def actores():
    """An entity, its reporter, 50 incidents and a CGII analyst (idempotent)."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from cgii.entidades.models import Entidad, Membresia, Usuario
    from incidentes import services as incidentes
    from incidentes.models import Incidente
    from protocolos.cargador import cargar_todo

    cargar_todo()
    entidad, _ = Entidad.objects.get_or_create(sigla="BENCH", defaults={
        "nombre": "Entidad de benchmark", "nivel": "central", "tipo": "ministerio"})
    reportante, creado = Usuario.objects.get_or_create(username="bench_reportante")
    if creado:
        Membresia.objects.create(usuario=reportante, entidad=entidad, rol="reportante")
    analista, _ = Usuario.objects.get_or_create(username="bench_analista")
    analista.groups.add(Group.objects.get_or_create(name="analista")[0])
    faltan = 50 - Incidente.objects.filter(entidad=entidad).count()
    for i in range(max(0, faltan)):
        incidentes.incidente_reportar(
            actor=reportante, entidad=entidad, titulo=f"Incidente de benchmark {i}",
            descripcion="Semilla del benchmark de indicadores.",
            detectado_en=timezone.now())
    ids = list(Incidente.objects.filter(entidad=entidad).values_list("id", flat=True)[:50])
    return analista, reportante, ids


def sembrar(n: int, incidentes: list[int], usuario_id: int) -> float:
    """n indicators (half IPv4 in 11/8, half domains) and one link each, by COPY."""
    from django.db import connection
    from django.utils import timezone

    from incidentes.indicadores import stix
    from incidentes.indicadores.normalizacion import patron_de, uuid_indicador

    inicio = time.perf_counter()
    ahora = timezone.now()
    with connection.cursor() as cursor:
        with cursor.copy(
                "COPY indicadores_indicador (tipo, valor, valor_original, patron, stix_uuid, "
                "sco_id, nombre, descripcion, tipos_stix, tlp, valido_desde, revocado, origen, "
                "creado, modificado, primera_vez, ultima_vez) FROM STDIN") as copia:
            for i in range(n):
                if i % 2:
                    tipo, valor = "ipv4-addr", f"11.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
                else:
                    tipo, valor = "domain-name", f"s{i}.semilla.example"
                copia.write_row((tipo, valor, valor, patron_de(tipo, valor),
                                 uuid_indicador(tipo, valor),
                                 stix.id_sco(tipo, {"value": valor}), "", "",
                                 '["malicious-activity"]', "green", ahora, False, "manual",
                                 ahora, ahora, ahora, ahora))
        cursor.execute(
            "INSERT INTO indicadores_indicadorincidente (incidente_id, indicador_id, rol, nota, "
            "valor_original, origen, agregado_por_id, agregado_en, conteo, tlp) "
            "SELECT (%s::bigint[])[1 + (i.id %% %s)], i.id, 'malicioso', '', i.valor, 'manual', "
            "%s, %s, 1, 'green' FROM indicadores_indicador i",
            [incidentes, len(incidentes), usuario_id, ahora])
        # The list's "contains" search reads ValorBuscable (filled by a sink after commit;
        # the seed bypasses the services).
        cursor.execute("INSERT INTO indicadores_valorbuscable (indicador_id, valor) "
                       "SELECT id, valor FROM indicadores_indicador")
        cursor.execute("VACUUM ANALYZE indicadores_indicador")
        cursor.execute("VACUUM ANALYZE indicadores_indicadorincidente")
        # Flush the seeding's dirty pages now rather than in a checkpoint running during
        # the measurements (needs superuser, which the bench database has on dev/CI).
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - inicio


SEMILLA_VERSION = 1


def asegurar_semilla(n: int, incidentes: list[int], usuario_id: int, *,
                     reset: bool = False) -> float | None:
    """Seed n indicators once (10,000,000 take several minutes): a later run with the same
    size only removes what earlier imports wrote. Returns the seeding seconds, None when
    the seed was reused."""
    from _comun import meta_guardar, meta_leer

    clave = "stix_semilla"
    previa = meta_leer(clave)
    if not reset and previa == {"n": n, "version": SEMILLA_VERSION}:
        print(f"Seed of {n:,} indicators reused; removing earlier imports…", flush=True)
        vaciar_importados()
        return None
    print(f"Emptying indicator tables; seeding {n:,} indicators + links…", flush=True)
    meta_guardar(clave, None)
    vaciar()
    segundos = sembrar(n, incidentes, usuario_id)
    meta_guardar(clave, {"n": n, "version": SEMILLA_VERSION})
    print(f"  seeded in {segundos:.1f} s")
    return segundos


@contextmanager
def sin_despacho_en_linea():
    """Embedded mode would deliver the outbox right after each commit, in this thread: the
    websocket fan-out and the search sink (which re-indexes every imported indicator). In
    production that runs in the dispatcher worker, not in the import; keep it out of the
    import's time (the events stay pending and are delivered, and timed, afterwards)."""
    from cgii.eventos import services as eventos

    original = eventos.solicitar_despacho
    # Whatever it is asked (it takes difusion= / sumideros= keywords now): nothing.
    eventos.solicitar_despacho = lambda *_, **__: None
    try:
        yield
    finally:
        eventos.solicitar_despacho = original


def entregar_eventos() -> float:
    from cgii.eventos.despachador import despachar_pendientes

    inicio = time.perf_counter()
    while despachar_pendientes():
        pass
    return time.perf_counter() - inicio


def importar(contenido: bytes, analista) -> tuple[float, object]:
    from incidentes.indicadores import stix
    from incidentes.indicadores.services import stix_importar

    stix.errores_patron.cache_clear()
    inicio = time.perf_counter()
    with sin_despacho_en_linea():
        importacion = stix_importar(actor=analista, contenido=contenido, tlp="amber")
    segundos = time.perf_counter() - inicio
    importacion.refresh_from_db()
    if importacion.estado != "completada":
        raise RuntimeError(f"import {importacion.pk}: {importacion.estado} "
                           f"{importacion.mensaje} {importacion.errores[:3]}")
    return segundos, importacion


def importar_en_proceso(ruta: Path) -> dict:
    """Import a bundle file through the task path (streamed) in a child process and return
    its seconds and memory: RSS of the child before the import (Django loaded) and its peak
    at the end (``ru_maxrss``), in MiB. A child so that the peak is the import's own."""
    import subprocess

    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--hijo", str(ruta)],
                       capture_output=True, text=True, env=os.environ.copy())
    if r.returncode != 0:
        raise RuntimeError(f"child import failed: {r.stdout[-2000:]}{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _hijo_importar(ruta: Path) -> None:
    import resource

    import psutil

    for clave, valor in ENTORNO.items():
        os.environ.setdefault(clave, valor)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(RAIZ))
    import django

    django.setup()          # no migrate: its own peak would hide the import's
    from django.conf import settings

    from cgii.entidades.models import Usuario
    from incidentes.indicadores.models import ImportacionSTIX
    from incidentes.indicadores.services import stix_importar_procesar

    analista = Usuario.objects.get(username="bench_analista")
    relativa = f"stix/bench-{uuid.uuid4().hex}.json"
    destino = Path(settings.ARCHIVOS_PRIVADOS_DIR) / relativa
    destino.parent.mkdir(parents=True, exist_ok=True)
    os.link(ruta, destino)
    imp = ImportacionSTIX.objects.create(usuario=analista, nombre_archivo=ruta.name,
                                         tamano=destino.stat().st_size, tlp_defecto="amber",
                                         ruta=relativa)
    base_mib = psutil.Process().memory_info().rss / 2**20
    inicio = time.perf_counter()
    with sin_despacho_en_linea():
        estado = stix_importar_procesar(imp.pk)
    segundos = time.perf_counter() - inicio
    pico_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    imp.refresh_from_db()
    destino.unlink(missing_ok=True)
    print(json.dumps({"estado": estado, "segundos": segundos, "objetos": imp.total_objetos,
                      "nuevos": imp.contadores.get("indicadores_nuevos"),
                      "mensaje": imp.mensaje, "rss_base_mib": base_mib,
                      "rss_pico_mib": pico_kib / 1024}))

def medir_rebanada(contenido: bytes, analista, repeticiones: int) -> tuple[list, list]:
    """Seconds of ``stix2.parse`` and of our import (into PostgreSQL, synchronous path) of
    the same bundle, ``repeticiones`` runs each (report the best: the machine may be shared,
    the best run is the least disturbed one). Ours always starts from the same state (the
    slice's rows deleted after each run). Also used by bench/escala.py."""
    import stix2

    stix2_tiempos, nuestros_tiempos = [], []
    for _ in range(repeticiones):
        texto = contenido.decode()
        inicio = time.perf_counter()
        stix2.parse(texto, allow_custom=True)
        stix2_tiempos.append(time.perf_counter() - inicio)
        segundos, _imp = importar(contenido, analista)
        nuestros_tiempos.append(segundos)
        entregar_eventos()
        vaciar_importados(vacuum=True)
    return stix2_tiempos, nuestros_tiempos


def _cpu_de(pid: int) -> float:
    """CPU seconds (user + system) of a local process (the PostgreSQL backend serving the
    import: the bench runs next to the server), from /proc; 0 where there is no /proc."""
    try:
        campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def solo_rebanada(args, analista) -> None:
    """Step 3 alone (the slice is the first objects of the same generated bundle, so the
    figures compare with a full run): wall and CPU seconds of every run, medians and best,
    the load average, and optionally a cProfile of one more import."""
    import statistics

    import orjson

    bundle = generar_bundle(args.rebanada)
    contenido = orjson.dumps({**bundle, "objects": bundle["objects"][:args.rebanada]})
    n = min(args.rebanada, len(bundle["objects"]))
    from django.db import connection

    carga = os.getloadavg()
    cpu, cpu_servidor = [], []
    original = importar
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid_servidor = cursor.fetchone()[0]

    def importar_con_cpu(contenido, analista):
        inicio, servidor = time.process_time(), _cpu_de(pid_servidor)
        resultado = original(contenido, analista)
        cpu.append(time.process_time() - inicio)
        cpu_servidor.append(_cpu_de(pid_servidor) - servidor)
        return resultado

    globals()["importar"] = importar_con_cpu
    try:
        stix2_t, nuestros = medir_rebanada(contenido, analista, args.repeticiones)
    finally:
        globals()["importar"] = original
    mejor, mediana = min(nuestros), statistics.median(nuestros)
    print(f"slice {n:,} objects, load {carga[0]:.2f} → {os.getloadavg()[0]:.2f}")
    print(f"  stix2.parse s: {[round(t, 3) for t in stix2_t]} (best {min(stix2_t):.3f}, "
          f"median {statistics.median(stix2_t):.3f})")
    print(f"  ours wall s:   {[round(t, 4) for t in nuestros]} (best {mejor:.4f}, "
          f"median {mediana:.4f})")
    print(f"  ours CPU s:    {[round(t, 4) for t in cpu]} (best {min(cpu):.4f}, median "
          f"{statistics.median(cpu):.4f})")
    print(f"  server CPU s:  {[round(t, 3) for t in cpu_servidor]} (median "
          f"{statistics.median(cpu_servidor):.3f}; clock ticks of the backend process)")
    print(f"  ratio best/best {min(stix2_t) / mejor:.1f}x; median/median "
          f"{statistics.median(stix2_t) / mediana:.1f}x")
    if args.perfil:
        import cProfile

        perfil = cProfile.Profile()
        perfil.enable()
        importar(contenido, analista)
        perfil.disable()
        perfil.dump_stats(args.perfil)
        entregar_eventos()
        vaciar_importados(vacuum=True)
        print(f"  profile written to {args.perfil}")


def medir_busqueda(usuario, valores: list[str], repeticiones: int = 3) -> tuple[float, int]:
    from cgii.entidades.selectors import olvidar_cache
    from incidentes.indicadores.selectors import buscar_valores

    mejores, encontrados = [], 0
    for _ in range(repeticiones):
        olvidar_cache(usuario)          # a fresh request: roles and memberships not cached
        inicio = time.perf_counter()
        resultado = buscar_valores(usuario, valores)
        mejores.append(time.perf_counter() - inicio)
        encontrados = sum(1 for r in resultado if r["total"])
    return sorted(mejores)[len(mejores) // 2], encontrados


def tabla(titulo: str, filas: list[list]) -> str:
    textos = [[str(c) for c in f] for f in filas]
    anchos = [max(len(f[i]) for f in textos) for i in range(len(textos[0]))]
    lineas = ["  ".join(c.ljust(anchos[0]) if i == 0 else c.rjust(anchos[i])
                        for i, c in enumerate(f)) for f in textos]
    sep = "  ".join("-" * a for a in anchos)
    return "\n".join([titulo, sep, lineas[0], sep, *lineas[1:], sep])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="FILE", help="write the figures as one flat JSON object")
    parser.add_argument("--n", type=int, default=100_000, help="indicators in the bundle")
    parser.add_argument("--semilla", type=int, default=1_000_000, help="stored indicators")
    parser.add_argument("--reset", action="store_true", help="seed again even if seeded")
    parser.add_argument("--solo-semilla", action="store_true", help="seed (if needed) and stop")
    parser.add_argument("--rebanada", type=int, default=5_000, help="slice for stix2.parse")
    parser.add_argument("--repeticiones", type=int, default=5,
                        help="runs of each slice measurement (best is reported)")
    parser.add_argument("--grande", type=int, default=1_000_000,
                        help="indicators of the big bundle (streamed, child process)")
    parser.add_argument("--solo-rebanada", action="store_true",
                        help="only the slice ratio (step 3), with CPU times; no whole import")
    parser.add_argument("--perfil", metavar="FILE",
                        help="with --solo-rebanada: cProfile one more import of the slice "
                             "into FILE (pstats)")
    parser.add_argument("--hijo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hijo:
        _hijo_importar(Path(args.hijo))
        return

    preparar()
    import orjson
    from django.conf import settings

    print(f"Database {settings.DATABASES['default']['NAME']}")
    analista, reportante, incidentes = actores()
    siembra_s = asegurar_semilla(args.semilla, incidentes, reportante.pk, reset=args.reset)
    if args.solo_semilla:
        return

    if args.solo_rebanada:
        solo_rebanada(args, analista)
        return

    bundle = generar_bundle(args.n)
    contenido = orjson.dumps(bundle)
    rebanada = {**bundle, "objects": bundle["objects"][:args.rebanada]}
    contenido_rebanada = orjson.dumps(rebanada)
    n_rebanada = len(rebanada["objects"])
    print(f"Bundle: {len(bundle['objects']):,} objects, {len(contenido) / 1e6:.1f} MB; "
          f"slice {n_rebanada:,} objects")

    stix2_tiempos, nuestros_tiempos = medir_rebanada(contenido_rebanada, analista,
                                                     args.repeticiones)
    stix2_s, nuestra_rebanada_s = min(stix2_tiempos), min(nuestros_tiempos)
    stix2_ops = n_rebanada / stix2_s
    nuestra_rebanada_ops = n_rebanada / nuestra_rebanada_s
    print(f"  slice runs: stix2.parse {[round(t, 3) for t in stix2_tiempos]} s, "
          f"ours {[round(t, 3) for t in nuestros_tiempos]} s")

    print("Importing the whole bundle…", flush=True)
    total_s, imp = importar(contenido, analista)
    total_ops = len(bundle["objects"]) / total_s
    print("Delivering the outbox (progress events, search re-index)…", flush=True)
    entrega_s = entregar_eventos()

    from incidentes.indicadores.models import Indicador

    almacenados = Indicador.objects.count()
    azar = random.Random(9)
    presentes = [f"11.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" if i % 2
                 else f"s{i}.semilla.example" for i in azar.sample(range(args.semilla), 5000)]
    ausentes = [f"ausente{i}.example" for i in range(5000)]
    valores = presentes + ausentes
    azar.shuffle(valores)
    busqueda_personal_s, hallados = medir_busqueda(analista, valores)
    busqueda_entidad_s, hallados_entidad = medir_busqueda(reportante, valores)

    # Memory: the same 100,000-object bundle and the big one, each streamed by the task in
    # a child process (the request path caps uploads at INDICADORES_STIX_MAX_BYTES).
    import tempfile

    with tempfile.TemporaryDirectory() as carpeta:
        vaciar_importados()
        ruta = Path(carpeta) / "bundle.json"
        escribir_bundle(args.n, ruta)
        print(f"Streamed import of {args.n:,} objects in a child process…", flush=True)
        mediano = importar_en_proceso(ruta)
        vaciar_importados()
        bytes_grande = escribir_bundle(args.grande, ruta)
        print(f"Streamed import of {args.grande:,} objects ({bytes_grande / 1e6:.0f} MB) in a "
              f"child process…", flush=True)
        grande = importar_en_proceso(ruta)
    print("Removing the imported rows…", flush=True)
    vaciar_importados()
    crece_mediano = mediano["rss_pico_mib"] - mediano["rss_base_mib"]
    crece_grande = grande["rss_pico_mib"] - grande["rss_base_mib"]
    memoria_ok = crece_grande <= crece_mediano * OBJETIVO_MEMORIA_FACTOR + HOLGURA_MEMORIA_MIB

    ratio = nuestra_rebanada_ops / stix2_ops
    ratio_total = total_ops / stix2_ops
    cumplido = (ratio >= OBJETIVO_RATIO and total_s < OBJETIVO_IMPORTACION_S
                and max(busqueda_personal_s, busqueda_entidad_s) < OBJETIVO_BUSQUEDA_S
                and grande["estado"] == "completada" and grande["segundos"] < OBJETIVO_GRANDE_S
                and memoria_ok)
    filas = [
        ["measure", "value", "target"],
        [f"stix2.parse, {n_rebanada:,}-object slice", f"{stix2_ops:,.0f} obj/s", ""],
        ["our import, same slice (into PostgreSQL)", f"{nuestra_rebanada_ops:,.0f} obj/s", ""],
        ["ratio (slice)", f"{ratio:.1f}x", f">= {OBJETIVO_RATIO:.0f}x"],
        [f"our import, {len(bundle['objects']):,} objects (task path)",
         f"{total_ops:,.0f} obj/s", ""],
        ["ratio (whole bundle vs stix2.parse)", f"{ratio_total:.1f}x", ""],
        ["whole import time", f"{total_s:.1f} s", f"< {OBJETIVO_IMPORTACION_S:.0f} s"],
        ["then: outbox delivery (search sink re-indexes them)", f"{entrega_s:.1f} s", ""],
        [f"lookup 10,000 values vs {almacenados:,} stored (analyst)",
         f"{busqueda_personal_s * 1000:.0f} ms", f"< {OBJETIVO_BUSQUEDA_S * 1000:.0f} ms"],
        ["lookup 10,000 values (entity user, tenant filter)",
         f"{busqueda_entidad_s * 1000:.0f} ms", f"< {OBJETIVO_BUSQUEDA_S * 1000:.0f} ms"],
        ["values found (analyst / entity)", f"{hallados:,} / {hallados_entidad:,}", "5,000"],
        [f"streamed import, {args.n + 3:,} objects (child process)",
         f"{mediano['segundos']:.1f} s", ""],
        [f"streamed import, {args.grande + 3:,} objects (child process)",
         f"{grande['segundos']:.1f} s", f"< {OBJETIVO_GRANDE_S:.0f} s"],
        [f"  peak RSS growth, {args.n + 3:,} objects", f"{crece_mediano:.0f} MiB", ""],
        [f"  peak RSS growth, {args.grande + 3:,} objects", f"{crece_grande:.0f} MiB",
         f"<= {OBJETIVO_MEMORIA_FACTOR}x + {HOLGURA_MEMORIA_MIB} MiB"],
    ]
    print()
    print(tabla("STIX import and IOC lookup (issues 6, 22)", filas))
    print(f"target met: {cumplido}")
    figuras = {
        "objetos_bundle": len(bundle["objects"]), "bytes_bundle": len(contenido),
        "rebanada_objetos": n_rebanada, "stix2_parse_obj_s": round(stix2_ops, 1),
        "importacion_rebanada_obj_s": round(nuestra_rebanada_ops, 1),
        "ratio_rebanada": round(ratio, 2), "importacion_total_s": round(total_s, 2),
        "importacion_total_obj_s": round(total_ops, 1), "ratio_total": round(ratio_total, 2),
        "entrega_eventos_s": round(entrega_s, 2),
        "indicadores_nuevos": imp.contadores.get("indicadores_nuevos"),
        "indicadores_almacenados": almacenados,
        "siembra_s": None if siembra_s is None else round(siembra_s, 1),
        "busqueda_10k_personal_ms": round(busqueda_personal_s * 1000, 1),
        "busqueda_10k_entidad_ms": round(busqueda_entidad_s * 1000, 1),
        "busqueda_hallados": hallados,
        "flujo_mediano_objetos": mediano["objetos"], "flujo_mediano_s": round(
            mediano["segundos"], 2), "flujo_mediano_rss_crece_mib": round(crece_mediano, 1),
        "flujo_grande_objetos": grande["objetos"], "flujo_grande_estado": grande["estado"],
        "flujo_grande_s": round(grande["segundos"], 2),
        "flujo_grande_rss_crece_mib": round(crece_grande, 1),
        "flujo_grande_rss_pico_mib": round(grande["rss_pico_mib"], 1),
        "memoria_acotada": memoria_ok,
        "target_met": cumplido,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(figuras, indent=2) + "\n", encoding="utf-8")
        print(f"JSON written to {args.json}")


def vaciar_importados(*, vacuum: bool = False) -> None:
    """Remove what the slice import wrote (the seed stays).

    ``vacuum`` (between the slice's runs, outside the timed window): every run inserts the
    same 5,000 values again, and without a VACUUM each unique-index check must walk the
    dead copies all earlier runs left under the same key (the import's server CPU grew from
    ~0.13 to ~0.4 s over a dozen runs). A production import never re-inserts values that
    were inserted and deleted before; the VACUUM gives each run that state back. The freed
    space is where the last run appended, so rows are still written at the table's end."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM indicadores_objetostix")
        cursor.execute("DELETE FROM indicadores_valorbuscable v USING indicadores_indicador i "
                       "WHERE v.indicador_id = i.id AND i.origen = 'importacion' "
                       "AND i.importacion_id IS NOT NULL")
        # Only rows an import created (bench/escala.py's seed has origen 'importacion'
        # rows of no import of this database).
        cursor.execute("DELETE FROM indicadores_indicador WHERE origen = 'importacion' "
                       "AND importacion_id IS NOT NULL")
        cursor.execute("DELETE FROM indicadores_importacionstix")
    if vacuum:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM indicadores_indicador, indicadores_objetostix, "
                           "indicadores_valorbuscable")


if __name__ == "__main__":
    main()
