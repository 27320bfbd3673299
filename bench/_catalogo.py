"""What `make bench` runs (bench/todos.py): each bench script, the figures of its JSON that
go into the summary, and where each target comes from (the script's own ``OBJETIVO_*``
constants, never a copy). Kept apart from the runner so the list reads on its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figura:
    """One row of the summary: ``clave`` in the bench's JSON (with ``patron``, a regular
    expression: the figure sums, takes the largest of, or (booleans) requires all of the
    matching keys); ``objetivo`` is (constant of the script or a literal, comparison) —
    e.g. ("OBJETIVO_P95_MS", "<"), (0, "=="), (True, "==")."""

    clave: str
    nombre: str
    unidad: str = ""
    objetivo: tuple[object, str] | None = None
    escala: float = 1.0  # the constant's unit → the JSON's (s → ms: 1000)
    patron: bool = False
    agregado: str = "suma"  # with patron: "suma", "max" or "todos"


@dataclass(frozen=True)
class Bench:
    nombre: str
    figuras: tuple[Figura, ...]
    rapido: tuple[str, ...] = ()
    siembra: tuple[str, ...] = ()  # JSON keys with seconds spent seeding in this run
    nota: str = ""


P95 = ("OBJETIVO_P95_MS", "<")
SI = (True, "==")
CERO = (0, "==")

BENCHES = (
    Bench("sla_sweep", (
        Figura("listado_p95_ms", "due-clock listing query p95", "ms", P95),
        Figura("usa_indice", "plan uses reloj_proximo_umbral", "", SI),
        Figura("sin_indice_p50_ms", "same query, index scans off, p50", "ms"),
        Figura("barrido_segundos", "one real sla_barrer", "s"),
    ), rapido=("--n", "300", "--runs", "5"), siembra=("siembra_segundos",)),
    Bench("incidentes", (
        Figura("lista_p95_ms", "(a) list by SLA urgency p95", "ms", P95),
        Figura("filtrada_p95_ms", "(b) filtered list p95", "ms", P95),
        Figura("detalle_p95_ms", "(c) detail p95", "ms", P95),
        Figura("detalle_nuevo_p95_ms", "(c2) detail of a new report p95", "ms", P95),
        Figura("intake_concurrente_por_segundo", "(d2) concurrent intake", "reports/s",
               ("OBJETIVO_REPORTES_S", ">=")),
        Figura("intake_secuencial_por_segundo", "(d1) sequential intake", "reports/s"),
        Figura("intake_[a-z]+_sin_huecos", "every intake answer 201, codes gap-free", "",
               SI, patron=True, agregado="todos"),
    ), rapido=("--n", "500", "--requests", "10", "--secuenciales", "20", "--clientes", "2",
               "--por-cliente", "10", "--procesos", "2"), siembra=("siembra_segundos",)),
    Bench("reportes", (
        Figura("nacional_html_s", "national PISI report, HTML page", "s",
               ("OBJETIVO_HTML_S", "<")),
        Figura("nacional_pdf_s", "national PISI report, PDF", "s", ("OBJETIVO_PDF_S", "<")),
        Figura("gestion_html_s", "incident management report, HTML page", "s",
               ("OBJETIVO_HTML_S", "<")),
        Figura("gestion_pdf_s", "incident management report, PDF", "s",
               ("OBJETIVO_PDF_S", "<")),
        Figura("cumplimiento_pdf_s", "entity compliance report, PDF", "s"),
    ), rapido=("--n", "300", "--entidades", "40", "--runs", "1"),
        siembra=("siembra_incidentes_s", "siembra_pisi_s")),
    Bench("triaje", (
        Figura("lote_p95_ms", "(a) bulk action on 200 incidents, slowest action p95", "ms",
               P95),
        Figura("cuentas_p95_ms", "(b) live saved-view counts p95", "ms",
               ("OBJETIVO_CUENTAS_P95_MS", "<")),
        Figura("lote_prioridad_consultas", "(a) SQL of one 200-row priority request", ""),
    ), rapido=("--n", "3000", "--seleccion", "50", "--runs", "3", "--requests", "10"),
        siembra=("siembra_segundos",)),
    Bench("busqueda", tuple(
        Figura(f"postgresql.{caso}.{quien}.p95", f"search {caso} ({quien}) p95", "ms", P95)
        for caso in ("frase", "ioc", "facetas") for quien in ("personal", "entidad")),
        rapido=("--n", "300", "--indicadores", "3000", "--requests", "10")),
    Bench("stix", (
        Figura("ratio_rebanada", "our import vs stix2.parse (slice)", "x",
               ("OBJETIVO_RATIO", ">=")),
        Figura("importacion_total_s", "whole bundle import", "s",
               ("OBJETIVO_IMPORTACION_S", "<")),
        Figura("busqueda_10k_personal_ms", "10,000-value lookup (analyst)", "ms",
               ("OBJETIVO_BUSQUEDA_S", "<"), escala=1000),
        Figura("busqueda_10k_entidad_ms", "10,000-value lookup (entity user)", "ms",
               ("OBJETIVO_BUSQUEDA_S", "<"), escala=1000),
    ), rapido=("--n", "2000", "--semilla", "20000", "--rebanada", "500",
               "--repeticiones", "1"), siembra=("siembra_s",)),
    Bench("fuentes", (
        Figura("eventos_por_segundo", "IntelMQ events routed + aggregated, end to end",
               "events/s", ("OBJETIVO_EVENTOS_S", ">=")),
        Figura("tabla_p95_ms", "entity's host table p95 (100,000 hosts)", "ms", P95),
        Figura("ingesta_por_segundo", "intake alone (validate, route, dedup, count)",
               "events/s"),
        Figura("busquedas_por_segundo", "IP -> entity, one query each", "/s"),
        Figura("ruteo_lote_filas_por_segundo", "IP -> entity, batch routing", "rows/s"),
    ), rapido=("--n", "20000", "--grande", "5000", "--consultas", "5"),
        siembra=("siembra_s",)),
    Bench("websocket_fanout", (
        Figura("latencia_p95_ms", "commit → client receipt p95", "ms", P95),
        Figura("entrega_exacta", "every client got exactly its events", "", SI),
        Figura("latencia_max_ms", "commit → client receipt max", "ms"),
    ), rapido=("--n", "20", "--personal", "5", "--entidades", "3", "--tasa", "5",
               "--duracion", "3", "--calentamiento", "1", "--procesos", "1")),
    Bench("idempotencia", (
        Figura("a_1_p50_ms", "(a) report without a key p50, 1 client", "ms"),
        Figura("b_1_p50_ms", "(b) report with a fresh key p50, 1 client", "ms"),
        Figura("c_1_p50_ms", "(c) replay p50, 1 client", "ms"),
    ), rapido=("--n", "20", "--clientes", "2", "--procesos", "1"),
        nota="no target: what a key costs (docs/api.md)"),
    Bench("correo", (
        Figura("mensajes_por_segundo", "e-mails fetched (IMAP/TLS) and processed per second",
               "msg/s", ("OBJETIVO_MENSAJES_S", ">=")),
        Figura("perdidos", "e-mails lost", "", CERO),
        Figura("duplicados", "e-mails processed twice", "", CERO),
    ), rapido=("--n", "50"), nota="private Dovecot of its own"),
    Bench("servidor_caida", (
        Figura("hup_fallos", "failed requests during HUP", "", CERO),
        Figura("term_codigo", "TERM exit status", "", CERO),
        Figura("kill_fallos", "failed requests, kill -9 (in flight: reported)", ""),
        Figura("kill_sirve_s", "kill -9 → replacement serving", "s"),
    ), rapido=("--calma", "1", "--clientes", "2")),
    Bench("fallas", (
        # Scenario names have no underscore: "[a-z]+_duplicados" is not "x_eventos_duplicados".
        Figura("[a-z]+_eventos_faltantes", "live events missing, all scenarios", "", CERO,
               patron=True),
        Figura("[a-z]+_almacenados_rechazados", "reports stored but refused", "", CERO,
               patron=True),
        Figura("[a-z]+_duplicados", "reports stored twice", "", CERO, patron=True),
        Figura("[a-z]+_eventos_ajenos", "events of a group not joined", "", CERO, patron=True),
        Figura("[a-z]+_recuperacion_s", "slowest recovery after a fault", "s", patron=True,
               agregado="max"),
    ), rapido=("--escenarios", "base,web", "--duracion", "8", "--antes", "3",
               "--asentar", "60", "--procesos", "2", "--informantes", "2"),
        nota="private PostgreSQL, Redis and search cluster of its own"),
    Bench("listas", (
        Figura("a_p95_ms", "100k: API list, first page p95", "ms", ("OBJETIVO_API_P95_MS", "<=")),
        Figura("a_consultas", "100k: API list SQL", "", ("OBJETIVO_API_CONSULTAS", "<=")),
        Figura("c_p95_ms", "100k: API list half-way down (cursor) p95", "ms",
               ("OBJETIVO_API_P95_MS", "<=")),
        Figura("h_p95_ms", "100k: HTML list, staff p95", "ms", ("OBJETIVO_HTML_P95_MS", "<=")),
        Figura("j_p95_ms", "100k: console, staff p95", "ms", ("OBJETIVO_HTML_P95_MS", "<=")),
    ), rapido=("--n", "2000", "--requests", "5"), siembra=("siembra_segundos",)),
    Bench("consola", (  # after listas: its database and seed
        Figura("analista_p95_ms", "console, analyst p95", "ms"),
        Figura("analista_cpu_ms", "console, analyst: CPU per request", "ms"),
        Figura("coordinador_p95_ms", "console, coordinator (5 saved views) p95", "ms"),
        Figura("coordinador_consultas", "console, coordinator SQL", ""),
    ), rapido=("--n", "2000", "--peticiones", "5"),
        nota="no target of its own: a profile (the console's target is in listas, escala)"),
    Bench("perfiles", (
        Figura("detalle_api_staff_cpu_ms", "detail API, staff: CPU per request", "ms"),
        Figura("detalle_html_staff_cpu_ms", "detail page, staff: CPU per request", "ms"),
        Figura("intake_cpu_ms", "intake: CPU per request", "ms"),
    ), rapido=("--n", "2000", "--peticiones", "5"),
        nota="no target: a profile (docs/perfiles.md)"),
    Bench("particiones", (
        Figura("partitioned_p95_ms", "timeline of one incident, 10 yearly partitions, p95", "ms",
               P95),
        Figura("plain_table_p95_ms", "same rows, one plain table, p95", "ms"),
        Figura("partitioned_creado_incident_p95_ms", "partitioned, pruned by creation, p95", "ms"),
    ), rapido=("--n", "2000", "--consultas", "200"), siembra=("siembra_segundos",)),
    Bench("escala", (
        Figura("lista_primera_personal_p95_ms", "1M: API list, staff, first page p95", "ms",
               ("OBJETIVO_LISTA_P95_MS", "<=")),
        Figura("lista_primera_personal_consultas", "1M: API list SQL", "",
               ("OBJETIVO_LISTA_CONSULTAS", "<=")),
        Figura("lista_siguientes_personal_p95_ms", "1M: API list, staff, next pages p95", "ms",
               ("OBJETIVO_LISTA_P95_MS", "<=")),
        Figura("lista_primera_entidad_p95_ms", "1M: API list, entity user p95", "ms",
               ("OBJETIVO_LISTA_P95_MS", "<=")),
        Figura("plano_[a-z]+_met", "API list flat from 100k to 1M", "", SI, patron=True,
               agregado="todos"),
        Figura("pagina_lista_personal_p95_ms", "1M: HTML incident list p95", "ms",
               ("OBJETIVO_PAGINAS_P95_MS", "<=")),
        Figura("pagina_consola_personal_p95_ms", "1M: HTML console p95", "ms",
               ("OBJETIVO_PAGINAS_P95_MS", "<=")),
        Figura("detalle_api_p95_ms", "1M: incident detail, API p95", "ms",
               ("OBJETIVO_DETALLE_P95_MS", "<=")),
        Figura("detalle_api_consultas", "1M: incident detail, API SQL", "",
               ("OBJETIVO_DETALLE_CONSULTAS", "<=")),
        Figura("detalle_pagina_p95_ms", "1M: incident detail, page p95", "ms",
               ("OBJETIVO_DETALLE_P95_MS", "<=")),
        Figura("intake_por_segundo", "1M: intake, 4 clients", "reports/s",
               ("OBJETIVO_REPORTES_S", ">=")),
        Figura("busqueda_personal_p95_ms", "11M docs: text search, staff p95", "ms",
               ("OBJETIVO_BUSQUEDA_P95_MS", "<=")),
        Figura("busqueda_entidad_p95_ms", "11M docs: text search, entity user p95", "ms",
               ("OBJETIVO_BUSQUEDA_P95_MS", "<=")),
        Figura("ioc_personal_ms", "10,000-value IOC lookup vs 10M", "ms",
               ("OBJETIVO_IOC_S", "<"), escala=1000),
        Figura("stix_ratio", "STIX import vs stix2.parse", "x", ("OBJETIVO_STIX_RATIO", ">=")),
        Figura("rss_rss_max_mib", "web worker RSS after 10,000 GETs", "MiB",
               ("OBJETIVO_RSS_MIB", "<=")),
    ), rapido=("--incidentes", "3000", "--indicadores", "30000", "--requests", "10",
               "--rss-peticiones", "300", "--clientes", "2", "--por-cliente", "10"),
        siembra=("siembra_s",), nota="issue 22: 1M incidents + 10M indicators"),
)
