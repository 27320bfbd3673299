"""Fault bench (issue 14): does the live stream lose events, and is an accepted report ever
lost or duplicated, when processes and services die?

On PRIVATE services started here (PostgreSQL cluster, Redis, osmem-server as the search
cluster), the full stack (supervised web server, a Celery worker for the live stream, one
for the sinks, beat) serves websocket listeners (4 staff, 1 entity user) and 4 reporting
clients. Per scenario: about ``--duracion`` seconds of tagged reports, the fault injected
after ``--antes`` seconds, then a settle period until the outbox and the sinks are drained
and every listener holds the final position. Figures: reports accepted / stored /
duplicated / stored-but-refused; events expected / received / missing / duplicated per
listener; seconds to recover (first report accepted and first event at every listener
after the service is back).

    .venv/bin/python bench/fallas.py [--escenarios base,vaiven,...] [--duracion 30] [--json F]

Target: 0 events missing and 0 reports stored-but-refused (and none duplicated) in every
scenario.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _comun import argumentos, escribir_json, tabla  # noqa: E402
from _fallas_clientes import Informantes, Oyente, Oyentes  # noqa: E402
from _fallas_servicios import Busqueda, Pila, Postgres, Redis, directorio_temporal  # noqa: E402

ESCENARIOS = ["base", "vaiven", "worker", "redis", "postgres", "web", "busqueda"]
DESCRIPCION = {
    "base": "baseline",
    "vaiven": "churn: listeners reconnect every 1-4 s",
    "worker": "kill -9 of both Celery workers, restarted 5 s later",
    "redis": "kill -9 of Redis, restarted 15 s later",
    "postgres": "PostgreSQL stopped (fast) and started 10 s later",
    "web": "kill -9 of one web worker",
    "busqueda": "search cluster hung (SIGSTOP) for 20 s",
}


def _db(funcion, *args, intentos: int = 60):
    """A bench-side query that survives the PostgreSQL scenario."""
    from django.db import OperationalError, close_old_connections, connections

    for i in range(intentos):
        try:
            return funcion(*args)
        except OperationalError:
            connections.close_all()
            if i == intentos - 1:
                raise
            time.sleep(1)
        finally:
            close_old_connections()


# ---- set-up -------------------------------------------------------------------------------------


def sembrar() -> tuple[str, list[Oyente]]:
    """The reporting token and the listeners (without positions yet)."""
    from django.contrib.auth.models import Group

    from cgii.entidades.models import Entidad, Membresia, RolCGII, RolEntidad, Usuario
    from cgii.entidades.services import token_crear
    from cgii.eventos.selectors import grupos_de_usuario

    entidad, _ = Entidad.objects.get_or_create(sigla="BENCHF", defaults={
        "nombre": "Entidad del banco de fallas", "nivel": "central",
        "tipo": "descentralizada", "sector": "Gobierno"})

    def usuario(nombre: str) -> Usuario:
        u, _ = Usuario.objects.get_or_create(username=nombre, defaults={"first_name": nombre})
        return u

    reportante = usuario("bench_fallas_reportante")
    Membresia.objects.get_or_create(usuario=reportante, entidad=entidad,
                                    rol=RolEntidad.REPORTANTE)
    _, clave = token_crear(usuario=reportante, nombre="fallas", entidad=entidad,
                           alcance="escritura")
    analista, _ = Group.objects.get_or_create(name=RolCGII.ANALISTA.value)
    oyentes = []
    for i in range(1, 5):
        u = usuario(f"bench_fallas_analista_{i}")
        u.groups.add(analista)
        oyentes.append((f"personal-{i}", u, None))
    rsi = usuario("bench_fallas_rsi")
    Membresia.objects.get_or_create(usuario=rsi, entidad=entidad, rol=RolEntidad.RSI)
    oyentes.append(("entidad", rsi, entidad))
    listos = []
    for nombre, u, ent in oyentes:
        # segundo_factor: the bench stands in for staff who passed TOTP (listeners only).
        _, clave_u = token_crear(usuario=u, nombre="fallas", entidad=ent, segundo_factor=True)
        listos.append(Oyente(nombre, clave_u, frozenset(grupos_de_usuario(u)), 0))
    return clave, listos


# ---- faults -------------------------------------------------------------------------------------


def _falla(nombre: str, pila: Pila, redis: Redis, pg: Postgres, busqueda: Busqueda) -> float:
    """Inject the fault and bring the service back (as a process manager or an operator
    would); return the monotonic time at which it was back."""
    if nombre == "worker":
        for t in (pila.flujo, pila.sumideros):
            t.matar()
        time.sleep(5)
        for t in (pila.flujo, pila.sumideros):
            t.iniciar()
    elif nombre == "redis":
        redis.matar()
        time.sleep(15)
        redis.iniciar()
    elif nombre == "postgres":
        pg.detener()
        time.sleep(10)
        pg.iniciar()
    elif nombre == "web":
        antes = pila.trabajadores_web()
        os.kill(antes[0], 9)
        inicio = time.monotonic()
        # Back when the supervisor has as many workers as before (or give up after 30 s).
        while time.monotonic() - inicio < 30 and len(pila.trabajadores_web()) < len(antes):
            time.sleep(0.1)
    elif nombre == "busqueda":
        busqueda.colgar()
        time.sleep(20)
        busqueda.soltar()
    return time.monotonic()


# ---- one scenario -------------------------------------------------------------------------------


def _asentar(oyentes: list[Oyente], plazo_s: float) -> float:
    """Wait until nothing is pending (live send and every sink), the head of the stream has
    not moved for 3 s, and every listener holds it as its confirmed position."""
    from cgii.eventos.models import EntregaSumidero, Evento
    from cgii.eventos.selectors import secuencia_actual

    inicio, cabeza, desde = time.monotonic(), -1, time.monotonic()
    while time.monotonic() - inicio < plazo_s:
        actual = _db(secuencia_actual)
        pendiente = _db(lambda: Evento.objects.filter(entregado_en__isnull=True).exists()
                        or EntregaSumidero.objects.exists())
        if actual != cabeza:
            cabeza, desde = actual, time.monotonic()
        if (not pendiente and time.monotonic() - desde >= 3
                and all(o.posicion >= cabeza for o in oyentes)):
            return time.monotonic() - inicio
        time.sleep(0.5)
    return float("nan")


def _esperados(o: Oyente, hasta: int) -> set[int]:
    from cgii.eventos.consumers import TIPO_REVOCACION
    from cgii.eventos.models import Evento

    return set(Evento.objects.filter(secuencia__gt=o.inicial, secuencia__lte=hasta,
                                     grupos__has_any_keys=sorted(o.grupos))
               .exclude(tipo=TIPO_REVOCACION).values_list("id", flat=True))


def correr(nombre: str, args, pila: Pila, redis: Redis, pg: Postgres, busqueda: Busqueda,
           clave: str, plantillas: list[Oyente]) -> dict:
    from cgii.eventos.selectors import secuencia_actual
    from incidentes.models import Incidente

    corrida = f"{nombre}{int(time.time()) % 100000}"
    posicion = _db(secuencia_actual)
    oyentes = [Oyente(p.nombre, p.clave, p.grupos, posicion) for p in plantillas]
    escuchas = Oyentes(pila.puerto, oyentes)
    escuchas.vaiven = nombre == "vaiven"
    escuchas.iniciar()
    limite = time.monotonic() + 30
    while time.monotonic() < limite and not all(o.conexiones for o in oyentes):
        time.sleep(0.1)
    informantes = Informantes(pila.url, clave, args.informantes, args.tasa, corrida)
    inicio = time.monotonic()
    informantes.iniciar()
    time.sleep(args.antes)
    restaurado = _falla(nombre, pila, redis, pg, busqueda) if nombre in (
        "worker", "redis", "postgres", "web", "busqueda") else None
    time.sleep(max(0.0, args.duracion - (time.monotonic() - inicio)))
    informantes.detener()
    escuchas.vaiven = False
    asentado = _asentar(oyentes, args.asentar)
    escuchas.detener()

    hasta = _db(secuencia_actual)
    titulos = _db(lambda: list(Incidente.objects.filter(
        titulo__startswith=f"Falla simulada {corrida}-").values_list("titulo", flat=True)))
    guardadas = [t.removeprefix("Falla simulada ") for t in titulos]
    aceptadas = {r.etiqueta for r in informantes.reportes if r.aceptado}
    r = {
        "reportes": len(informantes.reportes),
        "aceptados": len(aceptadas),
        "almacenados": len(set(guardadas)),
        "duplicados": len(guardadas) - len(set(guardadas)),
        "almacenados_rechazados": len(set(guardadas) - aceptadas),
        "perdidos": len(aceptadas - set(guardadas)),
        "reintentos": sum(max(0, x.intentos - 1) for x in informantes.reportes),
        "asentado_s": round(asentado, 1),
        "oyentes": {},
    }
    for o in oyentes:
        esperados = _db(_esperados, o, hasta)
        recibidos = set(o.recibidos)
        r["oyentes"][o.nombre] = {
            "esperados": len(esperados), "recibidos": len(recibidos & esperados),
            "faltantes": len(esperados - recibidos), "ajenos": len(recibidos - esperados),
            "duplicados": o.duplicados, "conexiones": o.conexiones,
            "incompletos": o.incompletos,
        }
    if restaurado is not None:
        despues = [x.aceptado_en for x in informantes.reportes
                   if x.aceptado_en and x.aceptado_en >= restaurado]
        eventos = [min((t for t in o.llegadas if t >= restaurado), default=None)
                   for o in oyentes]
        marcas = ([min(despues)] if despues else [None]) + eventos
        r["recuperacion_s"] = (round(max(marcas) - restaurado, 1)
                               if all(m is not None for m in marcas) else None)
    return r


# ---- output -------------------------------------------------------------------------------------


def imprimir(resultados: dict[str, dict]) -> None:
    filas = []
    for nombre, r in resultados.items():
        o = r["oyentes"].values()
        filas.append([nombre, r["aceptados"], r["almacenados"], r["duplicados"],
                      r["almacenados_rechazados"], sum(x["esperados"] for x in o),
                      sum(x["faltantes"] for x in o), sum(x["ajenos"] for x in o),
                      sum(x["duplicados"] for x in o), sum(x["incompletos"] for x in o),
                      "-" if r.get("recuperacion_s", "-") is None else r.get("recuperacion_s", "-"),
                      r["asentado_s"]])
    print(tabla("Faults: reports and live events (sums over the 5 listeners)",
                ["scenario", "accepted", "stored", "dup", "stored-refused", "ev expected",
                 "ev missing", "ev foreign", "ev dup", "reloads", "recover s", "settle s"],
                filas))
    detalle = []
    for nombre, r in resultados.items():
        for oyente, x in r["oyentes"].items():
            detalle.append([f"{nombre} / {oyente}", x["esperados"], x["recibidos"],
                            x["faltantes"], x["duplicados"], x["conexiones"]])
    print()
    print(tabla("Per listener", ["scenario / listener", "expected", "received", "missing",
                                 "dup", "connections"], detalle))
    print()
    for nombre in resultados:
        print(f"  {nombre}: {DESCRIPCION[nombre]}")


def main() -> int:
    parser = argumentos(__doc__.splitlines()[0], 0)
    parser.add_argument("--escenarios", default=",".join(ESCENARIOS))
    parser.add_argument("--duracion", type=float, default=30.0)
    parser.add_argument("--antes", type=float, default=8.0)
    parser.add_argument("--asentar", type=float, default=150.0)
    parser.add_argument("--tasa", type=float, default=4.0, help="reports/s per client")
    parser.add_argument("--informantes", type=int, default=4)
    parser.add_argument("--procesos", type=int, default=4)
    args = parser.parse_args()
    escenarios = [e for e in args.escenarios.split(",") if e]
    desconocidos = set(escenarios) - set(ESCENARIOS)
    if desconocidos:
        parser.error(f"unknown scenarios: {sorted(desconocidos)}")

    base = directorio_temporal()
    pg, redis, busqueda, pila = None, Redis(), None, None
    try:
        pg = Postgres()
        pg.crear_base("cgii_bench_fallas")
        redis.iniciar()
        busqueda = Busqueda()
        entorno = {**os.environ, "DATABASE_URL": pg.url("cgii_bench_fallas"),
                   "REDIS_URL": redis.url, "ELASTICSEARCH_URL": busqueda.url,
                   "CGII_CHANNELS_PREFIX": "fallas", "CGII_BUSQUEDA_PREFIJO": "fallas",
                   "CGII_VAR_DIR": str(base / "var"), "DJANGO_DEBUG": "0",
                   "DJANGO_SETTINGS_MODULE": "cgii.settings"}
        os.environ.update(entorno)
        from _comun import preparar

        preparar()
        clave, oyentes = sembrar()
        pila = Pila(entorno, base, args.procesos)
        pila.iniciar()
        resultados = {}
        for nombre in escenarios:
            print(f"… {nombre}: {DESCRIPCION[nombre]}", flush=True)
            resultados[nombre] = correr(nombre, args, pila, redis, pg, busqueda, clave, oyentes)
            caidos = [p.nombre for p in pila.procesos if not p.vivo()]
            if caidos:
                print(f"  not running after {nombre}: {caidos}; restarting them", flush=True)
                for p in pila.procesos:
                    if not p.vivo():
                        p.iniciar()
                pila.esperar_web()
    finally:
        if pila is not None:
            pila.cerrar()
        # The private cluster's data (~100 MB a run) goes with it; our logs stay.
        for servicio in (busqueda, redis, pg):
            if servicio is not None:
                servicio.cerrar()
    imprimir(resultados)
    print(f"\nlogs: {base}")
    figuras = {}
    for nombre, r in resultados.items():
        for clave_r, valor in r.items():
            if clave_r != "oyentes":
                figuras[f"{nombre}_{clave_r}"] = valor
        for campo in ("esperados", "faltantes", "duplicados", "ajenos", "incompletos"):
            figuras[f"{nombre}_eventos_{campo}"] = sum(x[campo] for x in r["oyentes"].values())
    figuras["target_met"] = all(
        figuras[f"{n}_eventos_faltantes"] == 0 and figuras[f"{n}_almacenados_rechazados"] == 0
        and figuras[f"{n}_duplicados"] == 0 and figuras[f"{n}_eventos_ajenos"] == 0
        for n in resultados)
    print(f"target (0 missing, 0 stored-but-refused, 0 duplicated): "
          f"{'MET' if figuras['target_met'] else 'NOT MET'}")
    escribir_json(args.json, figuras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
