"""Issue 9 target: search over 100,000 incidents + 1,000,000 indicators answers with
p95 < 100 ms on PostgreSQL (database backend).

    .venv/bin/python bench/busqueda.py [--n 100000] [--indicadores 1000000] [--requests 100]
                                       [--json FILE] [--reset] [--elasticsearch URL|osmem]

Seeds its own database (``cgii_bench_busq``): incidents with timelines (bench/
_sembrar_incidentes.py, descriptions varied with a small vocabulary), indicators generated in
SQL (IPv4, domains, SHA-256) linked to random incidents, then builds the search index with
the real ``reindexar`` path (timed). Measures ``cgii.busqueda.buscar`` in-process (wall time:
query + count/facets + highlights), as CGII staff and as an entity user:

(a) phrase search ("acceso no autorizado", …), (b) IOC exact lookup of an existing value
(defanged half of the time), (c) faceted search (a word + state/priority/year filters).
With ``--elasticsearch`` the same queries run on that cluster (``osmem``: a private
osmem-server; its in-memory engine is a test double, so its figures are indicative only).
"""

from __future__ import annotations

import logging
import os
import random
import sys
from time import perf_counter

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")

import _comun  # noqa: E402

_comun.preparar("cgii_bench_busq")

import _sembrar_incidentes as semilla  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cgii.busqueda import backends, buscar  # noqa: E402
from cgii.busqueda.models import DocumentoBusqueda  # noqa: E402
from cgii.entidades.models import Membresia  # noqa: E402
from incidentes.indicadores.models import Indicador, IndicadorIncidente  # noqa: E402
from incidentes.models import Incidente  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)
logging.getLogger("elastic_transport").setLevel(logging.WARNING)

CLAVE_META = "busqueda"
OBJETIVO_P95_MS = 100.0
FRASES = ['"acceso no autorizado"', '"datos personales"', '"portal institucional"',
          '"servidor de correo"', '"red social"', '"equipos de contabilidad"']
PALABRAS = ("ransomware", "phishing", "malware", "escaneo", "credenciales", "vulnerabilidad")
VOCABULARIO = semilla.VOCABULARIO


def sembrar_indicadores(n: int, n_incidentes: int) -> None:
    """n indicators in SQL (a third each IPv4, domain, SHA-256), each linked to one random
    incident (plus 10 % to a second one)."""
    tabla = Indicador._meta.db_table
    vinculos = IndicadorIncidente._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tabla}, {vinculos} CASCADE")
        cursor.execute(f"""
            INSERT INTO {tabla} (tipo, valor, valor_original, patron, stix_uuid, sco_id, nombre,
                descripcion, tipos_stix, tlp, valido_desde, revocado, origen, creado, modificado)
            SELECT t.tipo, t.valor, t.valor, '[x]', gen_random_uuid(), '', '', '',
                   '["malicious-activity"]'::jsonb,
                   (ARRAY['clear','green','amber','amber','red'])[1 + g % 5], now(), false,
                   'importacion', now() - (g % 365) * interval '1 day', now()
            FROM generate_series(1, {int(n)}) AS g
            CROSS JOIN LATERAL (SELECT CASE g % 3
                WHEN 0 THEN 'ipv4-addr' WHEN 1 THEN 'domain-name' ELSE 'file-sha256' END AS tipo,
                CASE g % 3
                WHEN 0 THEN ((g / 65536) % 223 + 1)::text || '.' || ((g / 256) % 256)::text
                            || '.' || (g % 256)::text || '.' || ((g * 7) % 251 + 1)::text
                WHEN 1 THEN 'host' || g::text || '.malo' || (g % 997)::text || '.example'
                ELSE encode(sha256(g::text::bytea), 'hex') END AS valor) t
            ON CONFLICT DO NOTHING""")
        cursor.execute(f"""
            INSERT INTO {vinculos} (incidente_id, indicador_id, rol, nota, valor_original,
                                    origen, agregado_en, conteo, tlp)
            SELECT inc.id, i.id, 'malicioso', '', '', 'importacion', now(), 1, 'amber'
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM {tabla}) i
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS r
                  FROM {Incidente._meta.db_table}) inc
              ON inc.r = (i.r * 7919) % {int(n_incidentes)}
            ON CONFLICT DO NOTHING""")
        cursor.execute(f"""
            INSERT INTO {vinculos} (incidente_id, indicador_id, rol, nota, valor_original,
                                    origen, agregado_en, conteo, tlp)
            SELECT inc.id, i.id, 'relacionado', '', '', 'importacion', now(), 1, 'amber'
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM {tabla}) i
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS r
                  FROM {Incidente._meta.db_table}) inc
              ON inc.r = (i.r * 104729 + 13) % {int(n_incidentes)}
            WHERE i.r % 10 = 0
            ON CONFLICT DO NOTHING""")


def variar_descripciones() -> None:
    palabras = "ARRAY[" + ", ".join(f"'{p}'" for p in VOCABULARIO) + "]"
    k = len(VOCABULARIO)
    with connection.cursor() as cursor:
        cursor.execute(f"""UPDATE {Incidente._meta.db_table} SET descripcion = descripcion
            || ' Afecta: ' || ({palabras})[1 + id % {k}] || ', ' || ({palabras})[1 + (id * 7) % {k}]
            || ' y ' || ({palabras})[1 + (id * 13) % {k}] || '.'""")


def asegurar_semilla(n: int, n_ind: int, reset: bool) -> dict | None:
    meta = _comun.meta_leer(CLAVE_META)
    if meta and not reset and meta["n"] == n and meta["indicadores"] == n_ind \
            and DocumentoBusqueda.objects.exists():
        print(f"Reusing the seed ({meta['sembrado']}): {n:,} incidents, {n_ind:,} indicators;"
              " --reset to reseed.")
        return meta
    _comun.meta_guardar(CLAVE_META, None)
    ahora = timezone.now()
    inicio = perf_counter()
    semilla.borrar()
    DocumentoBusqueda.objects.all().delete()
    print(f"Seeding {n:,} incidents…")
    semilla.sembrar(n, ahora=ahora)
    variar_descripciones()
    print(f"Seeding {n_ind:,} indicators and their links (SQL)…")
    sembrar_indicadores(n_ind, n)
    _comun.analizar(Incidente._meta.db_table, Indicador._meta.db_table,
                    IndicadorIncidente._meta.db_table)
    sembrado = perf_counter() - inicio
    print("Building the search table with reindexar (database backend)…")
    settings.BUSQUEDA_BACKEND = "database"
    backends.olvidar_backends()
    inicio = perf_counter()
    resumen = backends.obtener_backend().reindexar(progreso=_progreso())
    indexado = perf_counter() - inicio
    print()
    _comun.analizar(DocumentoBusqueda._meta.db_table, vacuum=True)
    docs = sum(v["documentos"] for v in resumen.values())
    meta = {"n": n, "indicadores": n_ind, "sembrado": ahora.isoformat(),
            "segundos_semilla": round(sembrado, 1), "segundos_indice_pg": round(indexado, 1),
            "documentos": docs}
    _comun.meta_guardar(CLAVE_META, meta)
    return meta


def _progreso():
    estado = {"ultimo": 0.0, "tipo": None}

    def mostrar(tipo, hechos, total):
        ahora = perf_counter()
        if tipo == estado["tipo"] and hechos < total and ahora - estado["ultimo"] < 2:
            return
        estado.update(ultimo=ahora, tipo=tipo)
        print(f"\r  {tipo:<10} {hechos:>9,}/{total:,}", end="", flush=True)
    return mostrar


def usuarios():
    from incidentes.indicadores.models import IndicadorIncidente as V

    entidades, _reportantes, analistas = semilla.personas()
    analista = analistas[0]
    m = Membresia.objects.select_related("usuario").filter(entidad=entidades[0]).first()
    return analista, m.usuario, V


def medir(usuario, consultas: list[dict], peticiones: int) -> dict:
    for c in consultas[:10]:  # warm-up: caches, plans
        buscar(usuario, **c)
    tiempos, totales = [], []
    for i in range(peticiones):
        c = consultas[i % len(consultas)]
        inicio = perf_counter()
        r = buscar(usuario, **c)
        tiempos.append(perf_counter() - inicio)
        totales.append(r.total)
    figura = _comun.resumen_ms(tiempos)
    figura["aciertos_mediana"] = sorted(totales)[len(totales) // 2]
    return figura


def casos(peticiones: int, rng: random.Random) -> dict[str, list[dict]]:
    valores = list(Indicador.objects.order_by("?").values_list("valor", flat=True)[:200])
    ioc = []
    for v in valores:
        if rng.random() < 0.5 and "." in v:
            v = v.replace(".", "[.]", 1)
        ioc.append({"texto": v})
    anio = timezone.now().year
    facetadas = []
    for i in range(60):
        facetadas.append({"texto": PALABRAS[i % len(PALABRAS)], "tipos": ["incidente"],
                          "filtros": {"estado": [rng.choice(["cerrado", "en_analisis",
                                                             "resuelto"])],
                                      "prioridad": [rng.choice(["P1", "P2", "P3", "P4"])],
                                      "anio": [str(rng.choice([anio, anio - 1]))]}})
    return {"frase": [{"texto": f} for f in FRASES], "ioc": ioc, "facetas": facetadas}


def medir_backend(nombre: str, analista, entidad_usuario, peticiones: int) -> dict:
    rng = random.Random(9)
    c = casos(peticiones, rng)
    figuras = {}
    for clave, consultas in c.items():
        figuras[f"{nombre}.{clave}.personal"] = medir(analista, consultas, peticiones)
        figuras[f"{nombre}.{clave}.entidad"] = medir(entidad_usuario, consultas, peticiones)
    return figuras


def main() -> int:
    parser = _comun.argumentos("Search latency over 100k incidents + 1M indicators", 100_000)
    parser.add_argument("--indicadores", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--elasticsearch", metavar="URL",
                        help="also measure that cluster (or 'osmem' for a private server)")
    args = parser.parse_args()
    meta = asegurar_semilla(args.n, args.indicadores, args.reset)
    analista, entidad_usuario, _v = usuarios()
    settings.BUSQUEDA_BACKEND = "database"
    backends.olvidar_backends()
    figuras = medir_backend("postgresql", analista, entidad_usuario, args.requests)
    es_meta = {}
    if args.elasticsearch:
        es_meta = medir_elasticsearch(args, analista, entidad_usuario, figuras)
    objetivos = {k: v["p95"] < OBJETIVO_P95_MS for k, v in figuras.items()
                 if k.startswith("postgresql.")}
    imprimir(meta, figuras, objetivos, es_meta)
    planas = {"incidentes": args.n, "indicadores": args.indicadores,
              "documentos": meta["documentos"], "segundos_indice_pg": meta["segundos_indice_pg"],
              **{f"{k}.{m}": v[m] for k, v in figuras.items() for m in ("p50", "p95")},
              **{f"es.{k}": v for k, v in es_meta.items()},
              "objetivo_p95_ms": OBJETIVO_P95_MS, "target_met": all(objetivos.values())}
    _comun.escribir_json(args.json, planas)
    return 0


def medir_elasticsearch(args, analista, entidad_usuario, figuras) -> dict:
    servidor = None
    url = args.elasticsearch
    if url == "osmem":
        from osmem_server import OsmemServer

        servidor = OsmemServer.start(japanese=False, addr="127.0.0.1:0", startup_timeout=60)
        url = servidor.url
    try:
        settings.BUSQUEDA_BACKEND = "elasticsearch"
        settings.ELASTICSEARCH_URL = url
        settings.BUSQUEDA_PREFIJO = "cgiibench"
        backends.olvidar_backends()
        inicio = perf_counter()
        resumen = backends.obtener_backend().reindexar(progreso=_progreso())
        segundos = perf_counter() - inicio
        print()
        figuras.update(medir_backend("elasticsearch", analista, entidad_usuario,
                                     args.requests))
        return {"segundos_indice": round(segundos, 1),
                "documentos": sum(v["documentos"] for v in resumen.values()),
                "servidor": "osmem" if servidor else url.split("@")[-1]}
    finally:
        settings.BUSQUEDA_BACKEND = "database"
        backends.olvidar_backends()
        if servidor is not None:
            servidor.close()


def imprimir(meta, figuras, objetivos, es_meta) -> None:
    filas = []
    for clave, f in figuras.items():
        backend, caso, quien = clave.split(".")
        meta_ok = ("yes" if objetivos.get(clave) else "NO") if backend == "postgresql" else "—"
        filas.append([f"{backend} {caso} ({quien})", f["p50"], f["p95"], f["max"],
                      f["aciertos_mediana"], meta_ok])
    print()
    print(_comun.tabla(
        f"Search: {meta['n']:,} incidents + {meta['indicadores']:,} indicators "
        f"({meta['documentos']:,} documents; PostgreSQL index built in "
        f"{meta['segundos_indice_pg']} s)",
        ["query", "p50 ms", "p95 ms", "max ms", "hits (median)", "p95 < 100 ms"], filas))
    if es_meta:
        print(f"Elasticsearch ({es_meta['servidor']}): {es_meta['documentos']:,} documents "
              f"indexed in {es_meta['segundos_indice']} s")


if __name__ == "__main__":
    sys.exit(main())
