"""The rows of issue 22's table, measured by bench/escala.py on its seed. Every row reuses the
measuring code of the bench that owns the path: bench/incidentes.py (in-process GETs with a
verified staff session, intake against the real server and its clean-up), bench/busqueda.py
(the search timing loop), bench/stix.py (the 10,000-value lookup, the slice ratio against
``stix2.parse``), bench/_servidor.py (the real server)."""

from __future__ import annotations

import os
import random
import threading
import time
import traceback
from pathlib import Path

import _comun
import _sembrar_escala as escala
import _servidor
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from incidentes.models import ContadorIncidente, Incidente
from tests.entidades.sesiones import iniciar_sesion_verificada

LISTA = "/api/v1/incidentes/"
PAGINA_LISTA = "/incidentes/"
CONSOLA = "/incidentes/consola/"
PAGINAS_SIGUIENTES = 2  # after the first page, follow ``next`` this many times


class Medidor:
    def __init__(self, args, principal):
        self.args = args
        self.o = principal  # OBJETIVO_* and ANTES live in the script
        self.inc = principal.cargar("incidentes")
        self._usuarios = None

    # ---- people and clients ------------------------------------------------------------------

    def usuarios(self):
        """(analyst, entity user): bench_analista_1 and BENCH01's reporter (the entity with
        the most incidents: the Zipf mix puts it first)."""
        if self._usuarios is None:
            entidades, reportantes, analistas = escala.personas()
            self._usuarios = (analistas[0], reportantes[entidades[0].pk], entidades[0])
        return self._usuarios

    def clientes(self, clase=APIClient):
        analista, usuario, _entidad = self.usuarios()
        personal = clase()
        iniciar_sesion_verificada(personal, analista)
        entidad = clase()
        entidad.force_login(usuario)
        return personal, entidad

    # ---- timing helpers --------------------------------------------------------------------

    def _get(self, cliente, url):
        r = cliente.get(url)
        if r.status_code != 200:
            raise self.inc.ErrorApi(f"GET {url} → {r.status_code}: {r.content[:1500]!r}")
        return r

    def tiempos(self, cliente, urls: list[str], calentamiento: int = 5) -> dict:
        """p50/p95 over ``--requests`` GETs cycling through ``urls``, then the SQL count of
        each distinct URL (outside the timed loop): the maximum is reported."""
        for url in urls[:calentamiento]:
            self._get(cliente, url)
        muestras = []
        for i in range(self.args.requests):
            url = urls[i % len(urls)]
            inicio = time.perf_counter()
            self._get(cliente, url)
            muestras.append(time.perf_counter() - inicio)
        consultas = []
        for url in dict.fromkeys(urls[:3]):
            with CaptureQueriesContext(connection) as capturadas:
                self._get(cliente, url)
            consultas.append(len(capturadas))
        return {**_comun.resumen_ms(muestras), "consultas": max(consultas),
                "peticiones": len(muestras)}

    def paginas_api(self, cliente) -> list[str]:
        """The first page of the list and the next ones, by the ``next`` links of the JSON."""
        urls = [LISTA]
        for _ in range(PAGINAS_SIGUIENTES):
            siguiente = self._get(cliente, urls[-1]).json().get("next")
            if not siguiente:
                break
            urls.append(siguiente)
        return urls

    # ---- rows ----------------------------------------------------------------------------

    def lista(self) -> dict:
        personal, entidad = self.clientes()
        salida = {}
        for quien, cliente in (("personal", personal), ("entidad", entidad)):
            urls = self.paginas_api(cliente)
            salida[f"primera_{quien}"] = self.tiempos(cliente, urls[:1])
            salida[f"siguientes_{quien}"] = self.tiempos(cliente, urls[1:] or urls[:1])
            salida[f"paginas_{quien}"] = len(urls)
        return salida

    def lista_100k(self, meta) -> dict:
        """Called by escala.py between the seed's two phases (kept in bench_meta)."""
        print(f"Measuring the API list at {Incidente.objects.count():,} incidents "
              f"(phase 1) …", flush=True)
        return {"incidentes": Incidente.objects.count(), "carga": os.getloadavg()[0],
                **self.lista()}

    def paginas(self) -> dict:
        personal, entidad = self.clientes(Client)
        return {"lista_personal": self.tiempos(personal, [PAGINA_LISTA]),
                "consola_personal": self.tiempos(personal, [CONSOLA]),
                "lista_entidad": self.tiempos(entidad, [PAGINA_LISTA])}

    def detalle(self) -> dict:
        """API and page of open classified incidents, as bench/incidentes.py picks them."""
        ids = list(Incidente.objects.filter(estado__in=escala.semilla.TRABAJO,
                                            protocolo__isnull=False)
                   .values_list("pk", flat=True)[:20_000])
        muestra = random.Random(7).sample(ids, min(len(ids), self.args.requests))
        api, _e = self.clientes()
        pagina, _e = self.clientes(Client)
        return {"api": self.tiempos(api, [f"{LISTA}{pk}/" for pk in muestra]),
                "pagina": self.tiempos(pagina, [f"{PAGINA_LISTA}{pk}/" for pk in muestra])}

    def intake(self) -> dict:
        """bench/incidentes.py's intake (4 clients against cgii.servidor), then checks that
        each report got its 3 SLA clocks, an audit row and an outbox event, then its clean-up
        (the reports removed, the counters restored)."""
        from cgii.auditoria.models import RegistroAuditoria
        from cgii.eventos.models import Evento
        from cgii.servidor import procesos_por_defecto
        from protocolos.models import RelojSLA

        _analista, usuario, entidad = self.usuarios()
        antes = {"ultimo_id": Incidente.objects.aggregate(m=Max("pk"))["m"] or 0,
                 "contadores": {str(a): u for a, u in
                                ContadorIncidente.objects.values_list("anio", "ultimo")}}
        evento_0 = Evento.objects.aggregate(m=Max("pk"))["m"] or 0
        try:
            fases = self.inc.medir_intake(usuario, entidad, 100, self.args.clientes,
                                          self.args.por_cliente, self.args.puerto,
                                          self.args.procesos or procesos_por_defecto())
            nuevos = list(Incidente.objects.filter(pk__gt=antes["ultimo_id"])
                          .values_list("pk", flat=True))
            claves = [str(pk) for pk in nuevos]
            completos = {
                "relojes": RelojSLA.objects.filter(ambito="incidente", objeto_id__in=nuevos)
                .count() == 3 * len(nuevos),
                "auditoria": RegistroAuditoria.objects.filter(
                    objeto_tipo__icontains="incidente", objeto_id__in=claves)
                .values("objeto_id").distinct().count() == len(nuevos),
                "eventos": Evento.objects.filter(pk__gt=evento_0, tipo="incidente.creado")
                .count() >= len(nuevos),
            }
        finally:
            # Also vacuums: the removed reports' dead rows sat at the head of the urgency
            # order for every later measurement (and the next run's).
            self.inc.restaurar(antes)
        conc = fases["concurrente"]
        return {"por_segundo": conc["por_segundo"], "p50": conc["p50"], "p95": conc["p95"],
                "reportes": conc["reportes"], "errores": len(conc["errores"]),
                "sin_huecos": all(f["sin_huecos"] for f in fases.values()),
                "secuencial_por_segundo": fases["secuencial"]["por_segundo"], **completos}

    def busqueda(self) -> dict:
        busq = self.o.cargar("busqueda")
        from cgii.busqueda import backends

        settings.BUSQUEDA_BACKEND = "database"
        backends.olvidar_backends()
        rng = random.Random(9)
        m = self.args.indicadores
        iocs = []
        for i in rng.sample(range(m), min(m, 100)):
            v = escala.valor(i)[1]
            iocs.append({"texto": v.replace(".", "[.]", 1) if rng.random() < 0.5 else v})
        anio = timezone.now().year
        consultas = ([{"texto": f} for f in busq.FRASES]
                     + [{"texto": p} for p in busq.PALABRAS]
                     + [{"texto": busq.PALABRAS[i % 6], "tipos": ["incidente"],
                         "filtros": {"estado": ["cerrado"], "anio": [str(anio - i % 3)]}}
                        for i in range(12)]
                     + iocs[:24])
        rng.shuffle(consultas)
        analista, usuario, _e = self.usuarios()
        return {"personal": busq.medir(analista, consultas, self.args.requests),
                "entidad": busq.medir(usuario, consultas, self.args.requests)}

    def ioc(self) -> dict:
        stix = self.o.cargar("stix")
        rng = random.Random(9)
        m = self.args.indicadores
        presentes = [escala.valor(i)[1] for i in rng.sample(range(m), min(m, 5000))]
        valores = presentes + [f"ausente{i}.example" for i in range(10_000 - len(presentes))]
        rng.shuffle(valores)
        analista, usuario, _e = self.usuarios()
        personal_s, hallados = stix.medir_busqueda(analista, valores)
        entidad_s, hallados_entidad = stix.medir_busqueda(usuario, valores)
        return {"personal_ms": round(personal_s * 1000, 1),
                "entidad_ms": round(entidad_s * 1000, 1), "hallados": hallados,
                "hallados_entidad": hallados_entidad, "valores": len(valores)}

    def stix(self) -> dict:
        import orjson

        stix = self.o.cargar("stix")
        analista, _u, _e = self.usuarios()
        bundle = stix.generar_bundle(5000)
        contenido = orjson.dumps(bundle)
        # As bench/stix.py runs it (no REDIS_URL there): the import task runs in this
        # process, so its time is the import's, not a queue's.
        from cgii.celery import app

        antes = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            parse, nuestros = stix.medir_rebanada(contenido, analista, 3)
        finally:
            app.conf.task_always_eager = antes
        return {"objetos": len(bundle["objects"]), "stix2_s": min(parse),
                "nuestro_s": min(nuestros), "ratio": round(min(parse) / min(nuestros), 2)}

    def rss(self) -> dict:
        """The real server (bench/_servidor.py, its default workers), 10,000 mixed GETs from
        4 threads with a verified staff session (API list and a next page, API detail, list
        page, detail page, search API), then each worker's VmRSS."""
        from cgii.servidor import procesos_por_defecto

        cliente = Client()
        analista, _u, _e = self.usuarios()
        iniciar_sesion_verificada(cliente, analista)
        cookie = f"{settings.SESSION_COOKIE_NAME}={cliente.cookies[settings.SESSION_COOKIE_NAME].value}"
        ids = list(Incidente.objects.order_by("-pk").values_list("pk", flat=True)[:5000])
        rng = random.Random(3)
        palabras = ("phishing", "ransomware", "servidor de correo", "credenciales", "botnet")
        urls = []
        for i in range(self.args.rss_peticiones):
            r = i % 6
            urls.append(LISTA if r == 0 else f"{LISTA}{rng.choice(ids)}/" if r == 1 else
                        PAGINA_LISTA if r == 2 else f"{PAGINA_LISTA}{rng.choice(ids)}/" if r == 3
                        else f"/api/v1/busqueda/?q={rng.choice(palabras)}" if r == 4
                        else "NEXT")
        procesos = self.args.procesos or procesos_por_defecto()
        errores, candado = [], threading.Lock()
        with _servidor.Servidor(_comun.entorno(), puerto=self.args.puerto + 1,
                                procesos=procesos) as servidor:
            import requests

            inicio_rss = rss_mib(servidor.hijos())

            def hilo(parte):
                with requests.Session() as s:
                    s.headers["Cookie"] = cookie
                    siguiente = None
                    for url in parte:
                        if url == "NEXT":
                            url = siguiente or LISTA
                        r = s.get(servidor.url + url if url.startswith("/") else url,
                                  timeout=60)
                        if r.status_code != 200:
                            with candado:
                                errores.append((url, r.status_code))
                        elif url == LISTA:
                            siguiente = r.json().get("next")

            hilos = [threading.Thread(target=hilo, args=(urls[k::4],)) for k in range(4)]
            t0 = time.perf_counter()
            for h in hilos:
                h.start()
            for h in hilos:
                h.join()
            segundos = time.perf_counter() - t0
            final = rss_mib(servidor.hijos())
        return {"peticiones": len(urls), "errores": len(errores), "segundos": round(segundos, 1),
                "procesos": procesos, "rss_inicio_max_mib": max(inicio_rss, default=0),
                "rss_max_mib": max(final, default=0), "rss_mib": final,
                "primeros_errores": errores[:3]}

    # ---- all rows ----------------------------------------------------------------------

    def medir(self, meta: dict, filas: list[str]) -> dict:
        medidas, carga, fallidas = {}, {}, {}
        _comun.congelar_como_el_servidor()  # after the seed, as a loaded worker
        for fila in filas:
            print(f"Measuring {fila}…", flush=True)
            inicio = time.perf_counter()
            try:
                medidas[fila] = getattr(self, fila)()
            except Exception as error:  # noqa: BLE001 - one failed row must not lose the others
                traceback.print_exc()
                fallidas[fila] = f"{type(error).__name__}: {str(error)[:200]}"
                continue
            print(f"  {medidas[fila]}", flush=True)
            if fila == "lista" and meta["fase"] == 1 and "lista_100k" not in meta:
                # Measured on step 1 alone (--fase 1): these are the "100k" figures.
                meta["lista_100k"] = {"incidentes": Incidente.objects.count(),
                                      "carga": os.getloadavg()[0], **medidas[fila]}
                _comun.meta_guardar("escala", meta)
            carga[fila] = round(os.getloadavg()[0], 1)
            print(f"  {time.perf_counter() - inicio:.1f} s, load {carga[fila]}", flush=True)
        return imprimir(self.o, meta, medidas, carga, fallidas)


def rss_mib(pids: list[int]) -> list[float]:
    salida = []
    for pid in pids:
        try:
            for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
                if linea.startswith("VmRSS:"):
                    salida.append(round(int(linea.split()[1]) / 1024, 1))
        except OSError:
            pass
    return salida


def _p(d):
    return f"p50 {d['p50']:.1f} / p95 {d['p95']:.1f} ms, {d['consultas']} SQL"


def imprimir(o, meta: dict, m: dict, carga: dict, fallidas: dict) -> dict:
    """The issue's table (path, now, measured, target, verdict) and the flat figures."""
    filas, figuras, veredictos = [], {}, {}

    def fila(clave, camino, antes, medido, objetivo, cumplido):
        veredictos[clave] = bool(cumplido)
        filas.append([camino, antes, medido, objetivo, "MET" if cumplido else "NOT MET"])

    for nombre, funcion in (("lista", _filas_lista), ("paginas", _filas_paginas),
                            ("detalle", _filas_detalle), ("intake", _filas_intake),
                            ("busqueda", _filas_busqueda), ("ioc", _filas_ioc),
                            ("stix", _filas_stix), ("rss", _filas_rss)):
        if nombre in m:
            funcion(o, meta, m[nombre], carga, fila, figuras, filas)
        elif nombre in fallidas:
            fila(f"{nombre}_fallo", f"{nombre}: FAILED", "–", fallidas[nombre], "", False)
    print()
    print(_comun.tabla(
        f"Issue 22 at {meta['n']:,} incidents and {meta.get('indicadores', 0):,} indicators "
        f"(load while measuring: {carga})",
        ["path", "issue's now", "measured", "target", "verdict"], filas))
    figuras.update({f"{k}_met": v for k, v in veredictos.items()})
    figuras.update({f"carga_{k}": v for k, v in carga.items()})
    figuras["target_met"] = all(veredictos.values()) if veredictos else None
    return figuras


def _filas_lista(o, meta, lista, carga, fila, figuras, filas):
    base = meta.get("lista_100k")
    for quien in ("personal", "entidad"):
        for pag in ("primera", "siguientes"):
            d = lista[f"{pag}_{quien}"]
            figuras.update({f"lista_{pag}_{quien}_p50_ms": d["p50"],
                            f"lista_{pag}_{quien}_p95_ms": d["p95"],
                            f"lista_{pag}_{quien}_consultas": d["consultas"]})
            fila(f"lista_{pag}_{quien}",
                 f"API list, {'first page' if pag == 'primera' else 'next pages'}, "
                 f"{'staff' if quien == 'personal' else 'entity user'}",
                 o.ANTES["lista"], _p(d),
                 f"p95 <= {o.OBJETIVO_LISTA_P95_MS:.0f} ms, <= "
                 f"{o.OBJETIVO_LISTA_CONSULTAS} SQL",
                 d["p95"] <= o.OBJETIVO_LISTA_P95_MS
                 and d["consultas"] <= o.OBJETIVO_LISTA_CONSULTAS)
    if base and meta["fase"] < 2:
        filas.append(["API list flat 100k → 1M", "–", f"step 1 only: these are the "
                      f"{base['incidentes']:,}-incident figures", "", "–"])
    elif base:
        for quien in ("personal", "entidad"):
            chico, grande = base[f"primera_{quien}"], lista[f"primera_{quien}"]
            figuras[f"lista_100k_{quien}_p95_ms"] = chico["p95"]
            plano = grande["p95"] <= chico["p95"] * o.OBJETIVO_PLANO + 2
            fila(f"plano_{quien}", f"API list flat {base['incidentes']:,} → "
                 f"{meta['n']:,}, {'staff' if quien == 'personal' else 'entity user'}",
                 "–", f"p95 {chico['p95']:.1f} → {grande['p95']:.1f} ms "
                 f"(load {base['carga']:.1f} then {carga['lista']})",
                 f"p95 <= {o.OBJETIVO_PLANO}x + 2 ms", plano)
    else:
        filas.append(["API list flat 100k → 1M", "–", "not measured (the seed's "
                      "phase 2 was there before a list measurement)", "", "–"])


def _filas_paginas(o, meta, datos, carga, fila, figuras, filas):
    for clave, nombre in (("lista_personal", "HTML incident list, staff"),
                          ("consola_personal", "HTML console, staff"),
                          ("lista_entidad", "HTML incident list, entity user")):
        d = datos[clave]
        figuras.update({f"pagina_{clave}_p95_ms": d["p95"],
                        f"pagina_{clave}_consultas": d["consultas"]})
        fila(f"pagina_{clave}", nombre, o.ANTES["paginas"], _p(d),
             f"p95 <= {o.OBJETIVO_PAGINAS_P95_MS:.0f} ms",
             d["p95"] <= o.OBJETIVO_PAGINAS_P95_MS)


def _filas_detalle(o, meta, datos, carga, fila, figuras, filas):
    for clave, nombre in (("api", "incident detail, API"), ("pagina", "incident detail, page")):
        d = datos[clave]
        figuras.update({f"detalle_{clave}_p50_ms": d["p50"],
                        f"detalle_{clave}_p95_ms": d["p95"],
                        f"detalle_{clave}_consultas": d["consultas"]})
        fila(f"detalle_{clave}", nombre, o.ANTES["detalle"], _p(d),
             f"p95 <= {o.OBJETIVO_DETALLE_P95_MS:.0f} ms, <= "
             f"{o.OBJETIVO_DETALLE_CONSULTAS} SQL",
             d["p95"] <= o.OBJETIVO_DETALLE_P95_MS
             and d["consultas"] <= o.OBJETIVO_DETALLE_CONSULTAS)


def _filas_intake(o, meta, datos, carga, fila, figuras, filas):
    d = datos
    completo = d["sin_huecos"] and not d["errores"] and d["relojes"] and d["auditoria"] \
        and d["eventos"]
    figuras.update({f"intake_{k}": v for k, v in d.items()})
    fila("intake", f"intake, {d['reportes']} reports from 4 clients", o.ANTES["intake"],
         f"{d['por_segundo']:.1f} reports/s (p95 {d['p95']:.0f} ms); clocks "
         f"{'ok' if d['relojes'] else 'MISSING'}, audit "
         f"{'ok' if d['auditoria'] else 'MISSING'}, outbox "
         f"{'ok' if d['eventos'] else 'MISSING'}, codes "
         f"{'gap-free' if d['sin_huecos'] else 'NOT gap-free'}",
         f">= {o.OBJETIVO_REPORTES_S:.0f} reports/s, nothing skipped",
         d["por_segundo"] >= o.OBJETIVO_REPORTES_S and completo)


def _filas_busqueda(o, meta, datos, carga, fila, figuras, filas):
    docs = meta.get("documentos_incidentes", 0) + meta.get("documentos_indicadores", 0)
    for quien in ("personal", "entidad"):
        d = datos[quien]
        figuras.update({f"busqueda_{quien}_p50_ms": d["p50"],
                        f"busqueda_{quien}_p95_ms": d["p95"]})
        fila(f"busqueda_{quien}", f"text search, {docs:,} documents, "
             f"{'staff' if quien == 'personal' else 'entity user'}", o.ANTES["busqueda"],
             f"p50 {d['p50']:.1f} / p95 {d['p95']:.1f} ms",
             f"p95 <= {o.OBJETIVO_BUSQUEDA_P95_MS:.0f} ms",
             d["p95"] <= o.OBJETIVO_BUSQUEDA_P95_MS)


def _filas_ioc(o, meta, datos, carga, fila, figuras, filas):
    d = datos
    figuras.update({f"ioc_{k}": v for k, v in d.items()})
    for quien in ("personal", "entidad"):
        fila(f"ioc_{quien}", f"IOC lookup, {d['valores']:,} values vs "
             f"{meta.get('indicadores', 0):,}, {'staff' if quien == 'personal' else 'entity user'}",
             o.ANTES["ioc"], f"{d[f'{quien}_ms']:.0f} ms "
             f"({d['hallados' if quien == 'personal' else 'hallados_entidad']:,} seen in "
             f"incidents)", f"< {o.OBJETIVO_IOC_S * 1000:.0f} ms",
             d[f"{quien}_ms"] < o.OBJETIVO_IOC_S * 1000)


def _filas_stix(o, meta, datos, carga, fila, figuras, filas):
    d = datos
    figuras.update({f"stix_{k}": v for k, v in d.items()})
    fila("stix", f"STIX import vs stix2.parse, {d['objetos']:,}-object bundle",
         o.ANTES["stix"], f"{d['ratio']:.1f}x ({d['nuestro_s']:.2f} s vs "
         f"{d['stix2_s']:.2f} s)", f">= {o.OBJETIVO_STIX_RATIO:.0f}x",
         d["ratio"] >= o.OBJETIVO_STIX_RATIO)


def _filas_rss(o, meta, datos, carga, fila, figuras, filas):
    d = datos
    figuras.update({f"rss_{k}": v for k, v in d.items() if not isinstance(v, list)})
    fila("rss", f"web worker RSS after {d['peticiones']:,} GETs ({d['procesos']} workers)",
         o.ANTES["rss"], f"max {d['rss_max_mib']:.0f} MiB (each {d['rss_mib']}; "
         f"{d['rss_inicio_max_mib']:.0f} at start; {d['errores']} errors)",
         f"<= {o.OBJETIVO_RSS_MIB:.0f} MiB", d["rss_max_mib"] <= o.OBJETIVO_RSS_MIB
         and not d["errores"])
