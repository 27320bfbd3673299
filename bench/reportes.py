"""Issue 8 targets: with 500 entities × 93 controls × 2 closed periods and 50,000 incidents in
PostgreSQL, the national PISI report's HTML page is ready in < 3 s and its PDF in < 10 s;
the same for the incident management report of one year. Issue 23 added the risk register
(assets and risk scenarios of every plan) and the national report's risk section: the same
targets hold with it.

    .venv/bin/python bench/reportes.py [--n 50000] [--runs 3] [--json FILE] [--reset]
                                       [--perfil CLAVE] [--solo-sembrar]

Seeds once (bench_meta keys "reportes_incidentes" and "reportes_pisi"), then times each
report's ``construir`` (registry in cgii/reportes/registro.py) and its renderers on the
same document: HTML, PDF, XLSX. Best and median of --runs runs after one untimed run that
also counts the SQL queries. See bench/README.md.
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
from datetime import datetime, timedelta
from time import perf_counter

import _comun

_comun.preparar("cgii_bench_reportes")  # own database; django.setup() before app imports

import _sembrar_incidentes as semilla_incidentes  # noqa: E402
import _sembrar_pisi as semilla_pisi  # noqa: E402
import _sembrar_relojes_incidentes as semilla_relojes  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cgii.entidades.models import Entidad, Usuario  # noqa: E402
from cgii.reportes import registro  # noqa: E402
from incidentes.models import Incidente  # noqa: E402
from planes_seguridad.models import (  # noqa: E402
    ActivoInformacion,
    EscenarioRiesgo,
    PeriodoSeguimiento,
    PlanInstitucional,
    RevisionControl,
    SnapshotControl,
)
from protocolos.models import CruceSLA, RelojSLA  # noqa: E402

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

CLAVE_INCIDENTES = "reportes_incidentes"
CLAVE_PISI = "reportes_pisi"
OBJETIVO_HTML_S = 3.0
OBJETIVO_PDF_S = 10.0
TABLAS_INCIDENTES = ("incidentes_incidente", "incidentes_entradatimeline", "incidentes_tarea",
                     "incidentes_contadorincidente", "protocolos_relojsla", "protocolos_crucesla")


# ---- seeding --------------------------------------------------------------------------------

def asegurar_incidentes(n: int, reset: bool) -> float | None:
    """N incidents over the last 365 days with their clocks; reuses a matching seed."""
    meta = _comun.meta_leer(CLAVE_INCIDENTES)
    relojes = RelojSLA.objects.filter(ambito=semilla_relojes.AMBITO).count()
    if (meta and not reset and meta["n"] == n and Incidente.objects.count() == n
            and relojes == 3 * n and meta.get("version") == semilla_relojes.VERSION):
        print(f"Reusing {n:,} incidents and {relojes:,} SLA clocks (seeded {meta['sembrado']}); "
              f"--reset to reseed.")
        return None
    _comun.meta_guardar(CLAVE_INCIDENTES, None)
    # The incidents bench/incidentes.py seeded (if any) are about to go: it must reseed.
    _comun.meta_guardar("incidentes", None)
    semilla_incidentes.borrar()
    print(f"Seeding {n:,} incidents with timelines, then their SLA clocks…")
    inicio = perf_counter()
    ahora = timezone.now()
    with transaction.atomic():
        cuentas = semilla_incidentes.sembrar(n, ahora=ahora)
    with transaction.atomic():
        cuentas.update(semilla_relojes.sembrar(ahora=timezone.now()))
    _comun.analizar(*TABLAS_INCIDENTES, vacuum=True)
    segundos = perf_counter() - inicio
    _comun.meta_guardar(CLAVE_INCIDENTES, {"n": n, "version": semilla_relojes.VERSION,
                                           "sembrado": ahora.isoformat(), **cuentas})
    print(f"Seeded incidents in {segundos:.1f} s (VACUUM ANALYZE included).")
    return segundos


def asegurar_pisi(reset: bool, entidades: int = semilla_pisi.ENTIDADES
                  ) -> tuple[dict, float | None]:
    meta = _comun.meta_leer(CLAVE_PISI)
    if (meta and not reset and meta.get("version") == semilla_pisi.VERSION
            and meta.get("entidades") == entidades
            and PlanInstitucional.objects.count() == meta["planes"]
            and SnapshotControl.objects.count() == meta["snapshots"]):
        print(f"Reusing {meta['planes']:,} PISI plans and {meta['snapshots']:,} snapshot rows "
              f"(gestión {meta['gestion']}, seeded {meta['sembrado']}); --reset to reseed.")
        return meta, None
    _comun.meta_guardar(CLAVE_PISI, None)
    semilla_pisi.borrar()
    print(f"Seeding {entidades} entities with their PISI, SoA and two closed "
          f"follow-up periods…")
    inicio = perf_counter()
    cuentas = semilla_pisi.sembrar(entidades=entidades)
    _comun.analizar(*semilla_pisi.TABLAS, vacuum=True)
    segundos = perf_counter() - inicio
    meta = {**cuentas, "sembrado": timezone.now().isoformat()}
    _comun.meta_guardar(CLAVE_PISI, meta)
    print(f"Seeded PISI data in {segundos:.1f} s (VACUUM ANALYZE included).")
    return meta, segundos


def usuario_personal(rol: str) -> Usuario:
    usuario, _ = Usuario.objects.get_or_create(username=f"bench_{rol}", defaults={
        "first_name": rol.capitalize(), "last_name": "Bench"})
    usuario.groups.add(Group.objects.get_or_create(name=rol)[0])
    return usuario


# ---- measuring ------------------------------------------------------------------------------

def _renderizador_html():
    """cgii.reportes.html.renderizar_html if it exists, else the page's template."""
    try:
        from cgii.reportes import html
    except ImportError:
        html = None
    if html is not None and hasattr(html, "renderizar_html"):
        return "cgii.reportes.html.renderizar_html", html.renderizar_html
    from django.template.loader import render_to_string

    from cgii.reportes import presentacion

    # What the page view renders for the document (cgii/reportes/views.py::_pagina).
    return ("render_to_string(reportes/_documento.html, presentacion.contexto(documento))",
            lambda doc: render_to_string("reportes/_documento.html",
                                         presentacion.contexto(doc)))


def _renderizadores() -> dict:
    """The renderers that exist so far (the reports are being written in parallel)."""
    import importlib

    nombre, funcion = _renderizador_html()
    salida = {"html": funcion, "_html_nombre": nombre}
    for formato in ("pdf", "xlsx"):
        try:
            modulo = importlib.import_module(f"cgii.reportes.{formato}")
            salida[formato] = getattr(modulo, f"renderizar_{formato}")
        except (ImportError, AttributeError) as error:
            print(f"No {formato} renderer yet: {error}")
    return salida


def medir(clave: str, usuario, parametros: dict, formatos: tuple[str, ...],
          renderizadores: dict, corridas: int) -> dict:
    """One untimed run (cold; SQL count), then ``corridas`` runs: construir, then each format
    rendered from that document, each timed on its own."""
    tipo = registro.obtener(clave)
    if tipo is None:
        return {"error": f"report «{clave}» is not registered (cgii/reportes/registro.py)"}
    if not tipo.puede_ver(usuario):
        return {"error": f"user {usuario.username} may not see «{clave}»"}

    def una_vez(capturar: bool) -> dict:
        tiempos = {}
        inicio = perf_counter()
        if capturar:
            with CaptureQueriesContext(connection) as consultas:
                doc = tipo.construir(usuario=usuario, parametros=dict(parametros), progreso=None)
            tiempos["consultas"] = len(consultas)
        else:
            doc = tipo.construir(usuario=usuario, parametros=dict(parametros), progreso=None)
        tiempos["datos"] = perf_counter() - inicio
        for formato in formatos:
            funcion = renderizadores.get(formato)
            if funcion is None:
                continue
            inicio = perf_counter()
            salida = funcion(doc)
            tiempos[formato] = perf_counter() - inicio
            tiempos[f"{formato}_bytes"] = len(salida.encode() if isinstance(salida, str)
                                              else salida)
        tiempos["secciones"] = len(doc.secciones)
        tiempos["filas"] = sum(len(t.filas) for s in doc.secciones for t in s.tablas)
        return tiempos

    try:
        primera = una_vez(capturar=True)
        corridas_ = [una_vez(capturar=False) for _ in range(corridas)]
    except Exception as error:  # noqa: BLE001 — the report is someone else's code: report it
        import traceback

        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}
    resultado = {"consultas": primera["consultas"], "secciones": primera["secciones"],
                 "filas": primera["filas"], "primera_datos": primera["datos"]}
    for parte in ("datos", *formatos):
        if parte not in primera:
            continue
        serie = [c[parte] for c in corridas_]
        # What the user waits for: construir + render of that format.
        total = serie if parte == "datos" else [c["datos"] + c[parte] for c in corridas_]
        resultado[parte] = {"mejor": min(total), "mediana": statistics.median(total),
                            "solo_mejor": min(serie), "solo_mediana": statistics.median(serie),
                            "bytes": primera.get(f"{parte}_bytes")}
    return resultado


def perfilar(clave: str, usuario, parametros: dict, renderizadores: dict) -> None:
    """cProfile of construir and of the PDF render, top 30 by cumulative time."""
    tipo = registro.obtener(clave)
    if tipo is None:
        print(f"«{clave}» is not registered.")
        return
    for nombre, accion in (
            ("construir", lambda: tipo.construir(usuario=usuario, parametros=dict(parametros),
                                                 progreso=None)),
            ("renderizar_pdf", None)):
        perfil = cProfile.Profile()
        if accion is None:
            doc = tipo.construir(usuario=usuario, parametros=dict(parametros), progreso=None)
            perfil.enable()
            renderizadores["pdf"](doc)
        else:
            perfil.enable()
            accion()
        perfil.disable()
        texto = io.StringIO()
        pstats.Stats(perfil, stream=texto).sort_stats("cumulative").print_stats(30)
        print(f"\n==== cProfile: {clave} {nombre} ====")
        print(texto.getvalue())


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=50_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per report (default 3)")
    parser.add_argument("--perfil", metavar="CLAVE", choices=[
        "nacional", "gestion-incidentes", "cumplimiento-entidad"],
        help="also print a cProfile of that report's construir and PDF render")
    parser.add_argument("--solo-sembrar", action="store_true",
                        help="seed (if needed) and stop without measuring")
    parser.add_argument("--entidades", type=int, default=semilla_pisi.ENTIDADES,
                        help=f"entities with a PISI (default {semilla_pisi.ENTIDADES}; fewer "
                             "only for a quick check, the targets are for 500)")
    args = parser.parse_args()

    siembra_inc = asegurar_incidentes(args.n, args.reset)
    meta_pisi, siembra_pisi = asegurar_pisi(args.reset, args.entidades)
    if args.solo_sembrar:
        return 0
    gestion = meta_pisi["gestion"]
    meta_inc = _comun.meta_leer(CLAVE_INCIDENTES)
    hasta = timezone.localtime(datetime.fromisoformat(meta_inc["sembrado"])).date()
    desde = hasta - timedelta(days=365)

    auditor = usuario_personal("auditor")
    coordinador = usuario_personal("coordinador")
    plan = (PlanInstitucional.objects.filter(entidad__sigla="BENCH01", gestion=gestion)
            .values_list("pk", flat=True).first())

    carga_antes = os.getloadavg()[0]
    renderizadores = _renderizadores()
    casos = {
        "nacional": (auditor, {"gestion": gestion}, ("html", "pdf", "xlsx")),
        "gestion-incidentes": (coordinador, {"desde": desde, "hasta": hasta, "entidad": None},
                               ("html", "pdf", "xlsx")),
        "cumplimiento-entidad": (auditor, {"plan": plan, "periodo": None}, ("html", "pdf")),
    }
    resultados = {}
    for clave, (usuario, parametros, formatos) in casos.items():
        if registro.obtener(clave) is not None and not registro.obtener(clave).puede_ver(usuario):
            usuario = auditor if usuario is coordinador else coordinador
        print(f"Measuring «{clave}» {parametros} as {usuario.username}…", flush=True)
        resultados[clave] = medir(clave, usuario, parametros, formatos, renderizadores,
                                  args.runs)
    riesgo = figuras_riesgo(auditor, gestion)
    tamanos = tamanos_de_semilla(gestion, desde, hasta)
    version = version_medida()
    carga = (round(carga_antes, 2), round(os.getloadavg()[0], 2))
    print(f"Report code measured: {version}. Load average (1 min) before / after measuring: "
          f"{carga[0]} / {carga[1]} on {os.cpu_count()} cores (the machine is shared).")
    objetivos = imprimir(resultados, tamanos, renderizadores["_html_nombre"], args.runs,
                         gestion, desde, hasta, siembra_inc, siembra_pisi)

    figuras = {**{f"semilla_{k}": v for k, v in tamanos.items()},
               "gestion": gestion, "desde": desde.isoformat(), "hasta": hasta.isoformat(),
               "corridas": args.runs, "codigo": version, "carga_antes": carga[0],
               "carga_despues": carga[1],
               "siembra_incidentes_s": round(siembra_inc, 1) if siembra_inc else None,
               "siembra_pisi_s": round(siembra_pisi, 1) if siembra_pisi else None}
    for clave, r in resultados.items():
        prefijo = {"nacional": "nacional", "gestion-incidentes": "gestion",
                   "cumplimiento-entidad": "cumplimiento"}[clave]
        if "error" in r:
            figuras[f"{prefijo}_error"] = r["error"]
            continue
        figuras[f"{prefijo}_consultas"] = r["consultas"]
        figuras[f"{prefijo}_primera_datos_s"] = round(r["primera_datos"], 3)
        for parte in ("datos", "html", "pdf", "xlsx"):
            if parte in r:
                figuras[f"{prefijo}_{parte}_s"] = round(r[parte]["mediana"], 3)
                figuras[f"{prefijo}_{parte}_mejor_s"] = round(r[parte]["mejor"], 3)
                if parte != "datos":
                    figuras[f"{prefijo}_{parte}_render_s"] = round(r[parte]["solo_mediana"], 3)
                    figuras[f"{prefijo}_{parte}_bytes"] = r[parte]["bytes"]
    figuras.update({f"riesgo_{k}": v for k, v in riesgo.items()})
    figuras.update({"objetivo_html_s": OBJETIVO_HTML_S, "objetivo_pdf_s": OBJETIVO_PDF_S,
                    "target_met": all(objetivos.values())})
    _comun.escribir_json(args.json, figuras)

    if args.perfil:
        usuario, parametros, _ = casos[args.perfil]
        perfilar(args.perfil, usuario, parametros, renderizadores)
    return 0


def figuras_riesgo(usuario, gestion: int) -> dict:
    """The national report's risk section (issue 23) on this seed: what it says, how long
    its four queries take (inside ``construir``; timed here on their own)."""
    from planes_seguridad.reportes import riesgos
    from planes_seguridad.reportes.nacional import figuras_nacional

    planes = {p: s for p, s in PlanInstitucional.objects.filter(gestion=gestion)
              .order_by("entidad_id", "version").values_list("pk", "entidad__sigla")}
    # Each entity's newest version, as the report reads it.
    por_entidad = {}
    for pk, sigla in planes.items():
        por_entidad[sigla] = pk
    ids = {pk: sigla for sigla, pk in por_entidad.items()}
    riesgos.figuras_nacional(ids)  # warm
    tiempos = []
    for _i in range(3):
        inicio = perf_counter()
        with CaptureQueriesContext(connection) as consultas:
            r = riesgos.figuras_nacional(ids)
        tiempos.append(perf_counter() - inicio)
    figuras_nacional(usuario=usuario, gestion=gestion)  # the section is built in construir
    salida = {"planes": r.planes, "con_registro": r.con_registro, "completas": r.completas,
              "escenarios": r.escenarios, "residual_alto": r.residual_alto,
              "por_aceptar": r.por_aceptar, "aceptados": r.aceptados,
              "mapa_total": r.mapa["total"], "consultas": len(consultas),
              "seccion_mejor_s": round(min(tiempos), 3),
              "seccion_mediana_s": round(statistics.median(tiempos), 3)}
    print(f"Risk section of the national report: {r.planes:,} plans, {r.con_registro:,} with a "
          f"register, {r.completas:,} complete; {r.escenarios:,} scenarios, "
          f"{r.residual_alto:,} with residual risk at or above the MAE's level, "
          f"{r.por_aceptar:,} waiting for the MAE, {r.aceptados:,} accepted; residual heat map "
          f"{r.mapa['total']:,} scenarios. Its {len(consultas)} queries: best "
          f"{min(tiempos):.3f} s, median {statistics.median(tiempos):.3f} s (part of "
          f"'data (construir)' above).")
    return salida


CODIGO_REPORTES = ("cgii/reportes", "incidentes/reportes", "planes_seguridad/reportes",
                   "cgii/templates/reportes", "cgii/static/cgii/reportes.css")


def version_medida() -> str:
    """HEAD, and how many files of the reports' code differ from it (they are being written
    while this bench runs)."""
    import subprocess

    def git(*argumentos):
        return subprocess.run(["git", *argumentos], cwd=_comun.RAIZ, capture_output=True,
                              text=True, check=False).stdout.strip()

    cabeza = git("rev-parse", "--short", "HEAD") or "?"
    cambiados = [linea for linea in git("status", "--porcelain", "--", *CODIGO_REPORTES)
                 .splitlines() if linea]
    return cabeza + (f" + {len(cambiados)} uncommitted report file(s)" if cambiados else "")


def tamanos_de_semilla(gestion: int, desde, hasta) -> dict:
    return {
        "entidades": Entidad.objects.count(),
        "planes": PlanInstitucional.objects.filter(gestion=gestion).count(),
        "planes_vigentes": PlanInstitucional.objects.filter(gestion=gestion,
                                                            estado="vigente").count(),
        "periodos_cerrados": PeriodoSeguimiento.objects.filter(estado="cerrado").count(),
        "revisiones": RevisionControl.objects.count(),
        "snapshots": SnapshotControl.objects.count(),
        "incidentes": Incidente.objects.count(),
        "incidentes_en_rango": Incidente.objects.filter(
            creado__date__gte=desde, creado__date__lte=hasta).count(),
        "activos": ActivoInformacion.objects.count(),
        "escenarios": EscenarioRiesgo.objects.count(),
        "relojes": RelojSLA.objects.filter(ambito=semilla_relojes.AMBITO).count(),
        "cruces": CruceSLA.objects.filter(reloj__ambito=semilla_relojes.AMBITO).count(),
    }


def imprimir(resultados: dict, tamanos: dict, html_nombre: str, corridas: int, gestion: int,
             desde, hasta, siembra_inc, siembra_pisi) -> dict[str, bool]:
    nombres = {"nacional": f"National PISI report, gestión {gestion}",
               "gestion-incidentes": f"Incident management report {desde}..{hasta}",
               "cumplimiento-entidad": "Entity compliance report (BENCH01's plan)"}
    objetivo = {("nacional", "html"): OBJETIVO_HTML_S, ("nacional", "pdf"): OBJETIVO_PDF_S,
                ("gestion-incidentes", "html"): OBJETIVO_HTML_S,
                ("gestion-incidentes", "pdf"): OBJETIVO_PDF_S}
    etiquetas = {"datos": "data (construir)", "html": "HTML page (construir + render)",
                 "pdf": "PDF (construir + renderizar_pdf)",
                 "xlsx": "XLSX (construir + renderizar_xlsx)"}
    filas, cumplidos, errores = [], {}, []
    for clave, r in resultados.items():
        if "error" in r:
            errores.append(f"{clave}: {r['error']}")
            for informe, parte in objetivo:
                if informe == clave:
                    cumplidos[f"{clave}_{parte}"] = False
            filas.append([f"{nombres[clave]}: NOT MEASURED", "–", "–", "–", "–", "–", "–"])
            continue
        for parte in ("datos", "html", "pdf", "xlsx"):
            if parte not in r:
                continue
            m = r[parte]
            meta = objetivo.get((clave, parte))
            veredicto = "–"
            if meta is not None:
                ok = m["mediana"] < meta
                cumplidos[f"{clave}_{parte}"] = ok
                veredicto = "MET" if ok else "NOT MET"
            render = "–" if parte == "datos" else f"{m['solo_mediana']:.3f}"
            filas.append([f"{nombres[clave]}: {etiquetas[parte]}", f"{m['mejor']:.3f}",
                          f"{m['mediana']:.3f}", render,
                          r["consultas"] if parte == "datos" else "–",
                          f"< {meta:.0f} s" if meta else "–", veredicto])
    print()
    print(_comun.tabla(
        f"Reports — best / median of {corridas} runs after one untimed run; seconds",
        ["figure", "best s", "median s", "render only s", "SQL", "target", "verdict"], filas))
    print(f"HTML render: {html_nombre}. Verdicts on the median.")
    for clave, r in resultados.items():
        if "error" not in r:
            tamano = ", ".join(f"{p} {r[p]['bytes']:,} B" for p in ("html", "pdf", "xlsx")
                               if p in r and r[p]["bytes"])
            print(f"  {clave}: {r['secciones']} sections, {r['filas']:,} table rows; first "
                  f"(cold) construir {r['primera_datos']:.3f} s; {tamano}")
    for error in errores:
        print(f"  NOT MEASURED — {error}")
    t = tamanos
    print(f"Seed: {t['entidades']:,} entities; {t['planes']:,} plans of gestión {gestion} "
          f"({t['planes_vigentes']:,} vigente); {t['periodos_cerrados']:,} closed periods, "
          f"{t['revisiones']:,} reviews, {t['snapshots']:,} snapshot rows; "
          f"{t['activos']:,} assets, {t['escenarios']:,} risk scenarios; "
          f"{t['incidentes']:,} incidents ({t['incidentes_en_rango']:,} in the range), "
          f"{t['relojes']:,} SLA clocks, {t['cruces']:,} crossings.")
    if siembra_inc or siembra_pisi:
        print(f"Seeding this run: incidents {siembra_inc or 0:.1f} s, PISI "
              f"{siembra_pisi or 0:.1f} s.")
    verdicto = "MET" if cumplidos and all(cumplidos.values()) else "NOT MET"
    print(f"targets: national and incident-report HTML page < {OBJETIVO_HTML_S:.0f} s and "
          f"PDF < {OBJETIVO_PDF_S:.0f} s (median) → {verdicto}")
    return cumplidos or {"sin_medidas": False}


if __name__ == "__main__":
    sys.exit(main())
