"""Issue 5 target: 200 websocket clients on a running server with Redis receive the events the
dispatcher fans out at a steady rate with p95 < 100 ms from commit to client receipt.

    .venv/bin/python bench/websocket_fanout.py [--n 200] [--personal 50] [--entidades 10]
        [--tasa 20] [--duracion 30] [--procesos N] [--json FILE] [--reset]

Seeds entity users (spread over BENCHWS01..) and CGII staff, one API token each; starts the web
server (``cgii.servidor``: gunicorn + uvicorn workers) and a Celery worker (the production dispatcher) with the bench
environment; connects ``--n`` clients to ``/ws/eventos/`` (``Authorization: Token``) from one
asyncio process; emits events with ``evento_emitir`` inside ``transaction.atomic()`` at
``--tasa`` per second; every client stamps each message on receipt. See bench/README.md.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import _comun
from _clientes_ws import ProcesoClientes

_comun.preparar("cgii_bench_ws")  # own database; django.setup() before app imports

import _servidor  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cgii.celery import app as celery_app  # noqa: E402
from cgii.entidades.models import Entidad, Membresia, RolCGII, RolEntidad, Usuario  # noqa: E402
from cgii.entidades.services import token_crear, token_revocar  # noqa: E402
from cgii.eventos import grupos  # noqa: E402
from cgii.eventos.models import Evento  # noqa: E402
from cgii.eventos.services import evento_emitir  # noqa: E402
from cgii.servidor import procesos_por_defecto  # noqa: E402

OBJETIVO_P95_MS = 100.0
# No sink is registered for this type: the dispatcher only fans it out. (A realistic
# "timeline.nuevo" would make the notification sink look up incidents that do not exist.)
TIPO = "bench.fanout"
ACTOR = "bench/websocket_fanout.py"
# Share of events also visible to the entity (the rest are staff-only timeline entries).
VISIBLES_ENTIDAD = 0.75
# Fake incident ids for the per-incident groups the real services add: nobody listens to
# them here, but the dispatcher still sends to them, as in production.
BASE_INCIDENTE = 900_000_000


# ---- seeding (idempotent: get_or_create; a few seconds) ------------------------------------

@dataclass
class Cliente:
    usuario: Usuario
    entidad_id: int | None  # None: CGII staff (group cgii.personal, every event)
    clave: str = ""
    token: object = None
    conectado: bool = False

    @property
    def personal(self) -> bool:
        return self.entidad_id is None

    @cached_property
    def grupos(self) -> frozenset[str]:
        """What /ws/eventos/ joins for this token (selectors.grupos_de_usuario), used to
        compute which events each client must receive."""
        propio = grupos.grupo_usuario(self.usuario.pk)
        if self.personal:
            return frozenset({grupos.GRUPO_PERSONAL_CGII, propio})
        return frozenset({grupos.grupo_entidad(self.entidad_id), propio})


def _usuario(username: str, nombre: str) -> Usuario:
    usuario, creado = Usuario.objects.get_or_create(
        username=username, defaults={"first_name": nombre, "last_name": "Bench"})
    if creado:
        usuario.set_unusable_password()  # bench users never log in: they use tokens
        usuario.save(update_fields=["password"])
    return usuario


def sembrar(n: int, personal: int, n_entidades: int) -> list[Cliente]:
    """``personal`` staff in group analista; the other users spread round-robin over
    ``n_entidades`` entities (BENCHWS01..), one membership each. Usernames name the entity,
    so a different --entidades never gives a user two memberships."""
    entidades = []
    for i in range(1, n_entidades + 1):
        entidad, _ = Entidad.objects.get_or_create(sigla=f"BENCHWS{i:02d}", defaults={
            "nombre": f"Entidad de prueba websocket {i:02d}", "nivel": "central",
            "tipo": "descentralizada", "sector": "Gobierno"})
        entidades.append(entidad)
    analista, _ = Group.objects.get_or_create(name=RolCGII.ANALISTA.value)
    clientes = []
    for i in range(1, personal + 1):
        usuario = _usuario(f"bench_ws_personal_{i:03d}", f"Analista {i}")
        usuario.groups.add(analista)
        clientes.append(Cliente(usuario, None))
    for i in range(n - personal):
        entidad = entidades[i % n_entidades]
        usuario = _usuario(f"bench_ws_{entidad.sigla.lower()}_{i // n_entidades + 1:03d}",
                           f"Usuario {entidad.sigla}")
        Membresia.objects.get_or_create(usuario=usuario, entidad=entidad,
                                        rol=RolEntidad.REPORTANTE)
        clientes.append(Cliente(usuario, entidad.pk))
    return clientes


# Events earlier benchmarks left pending (incidentes.py runs no worker: thousands of
# incidente.creado) would be dispatched first, oldest first, and each one's notification sink
# creates a bell row and an event per staff member: tens of minutes of work ahead of ours.
# They are set aside for the run, marked with this impossible delivery time, and made pending
# again afterwards (or at the start of the next run, if this one died): nothing is lost or
# skipped. Not by pushing disponible_desde out: with thousands of pending rows the planner
# reads the dispatcher's query through the primary key instead of the partial index of
# pending rows, and every dispatch would pay a scan of the whole table that production,
# with next to nothing pending, does not.
APARTADO = datetime(1970, 1, 1, tzinfo=UTC)


def apartar_pendientes() -> int:
    devolver_pendientes()
    cantidad = Evento.objects.filter(entregado_en__isnull=True).update(entregado_en=APARTADO)
    # Drop the old index entries and tell the planner how few rows are pending now.
    _comun.analizar(Evento._meta.db_table, vacuum=True)
    return cantidad


def devolver_pendientes() -> int:
    cantidad = Evento.objects.filter(entregado_en=APARTADO).update(entregado_en=None)
    if cantidad:
        _comun.analizar(Evento._meta.db_table, vacuum=True)
    return cantidad


def purgar_solicitudes() -> int:
    """Drop the dispatch requests queued for those events: the worker would otherwise run
    each (finding nothing due) before reaching ours. They carry no data; the outbox rows are
    what counts, and production's beat sweep re-requests a dispatch every 5 s anyway."""
    return celery_app.control.purge()


# ---- the producer ------------------------------------------------------------------------

@dataclass
class Emitido:
    n: int
    id: int
    grupos: list[str]
    t_commit: float
    calentamiento: bool

    def para(self, cliente: Cliente) -> bool:
        return not cliente.grupos.isdisjoint(self.grupos)


def _datos(n: int, corrida: str, entidad_id: int, visible: bool) -> dict:
    """The shape of an incident timeline event (incidentes.services.comun.registrar)."""
    ahora = timezone.localtime().isoformat(timespec="seconds")
    return {
        "incidente": {"id": BASE_INCIDENTE + n, "codigo": f"CGII-2026-{900000 + n}",
                      "titulo": "Correos de phishing suplantando al SIGEP",
                      "estado": "en_analisis", "prioridad": "P2", "entidad_id": entidad_id,
                      "analista_id": None, "vence_sla": ahora, "estado_sla": "en_plazo",
                      "tlp": "amber", "origen": "portal"},
        "entrada": {"id": BASE_INCIDENTE + n, "tipo": "nota", "visible_entidad": visible,
                    "texto": "Se bloqueó el dominio sigep-gob-bo.com en el proxy institucional "
                             "y se pidió a la entidad revisar los buzones afectados.",
                    "datos": {}, "actor": "Analista Bench", "actor_id": None,
                    "actor_es_cgii": True, "creado": ahora},
        "bench": {"corrida": corrida, "n": n},
    }


def producir(entidades: list[int], corrida: str, tasa: float, duracion: float,
             calentamiento: float) -> tuple[list[Emitido], float]:
    """One event every 1/tasa s on an absolute schedule (a slow commit does not shift the
    rest). Returns the events and the largest lag behind schedule, in seconds."""
    rng = random.Random(5)
    n_calentamiento = round(calentamiento * tasa)
    total = n_calentamiento + round(duracion * tasa)
    emitidos, retraso = [], 0.0
    inicio = time.perf_counter()
    for n in range(total):
        espera = inicio + n / tasa - time.perf_counter()
        if espera > 0:
            time.sleep(espera)
        retraso = max(retraso, -espera)
        entidad_id = entidades[n % len(entidades)]
        visible = rng.random() < VISIBLES_ENTIDAD
        incidente = BASE_INCIDENTE + n
        destino = [grupos.GRUPO_PERSONAL_CGII, grupos.grupo_incidente_interno(incidente)]
        if visible:
            destino += [grupos.grupo_entidad(entidad_id), grupos.grupo_incidente(incidente)]
        marca: list[float] = []
        with transaction.atomic():
            # Registered before evento_emitir's own on_commit (the dispatch request), so it
            # runs first: the instant of the COMMIT, not commit + broker publish.
            transaction.on_commit(lambda marca=marca: marca.append(time.time()))
            evento = evento_emitir(tipo=TIPO, datos=_datos(n, corrida, entidad_id, visible),
                                   grupos=destino, entidad_id=entidad_id)
        emitidos.append(Emitido(n, evento.pk, destino, marca[0], n < n_calentamiento))
    return emitidos, retraso


def esperar_outbox(pendientes, plazo_s: float) -> int:
    """Wait until the dispatcher has delivered the ``pendientes`` queryset's events; return
    how many are still pending."""
    limite = time.monotonic() + plazo_s
    while True:
        cantidad = pendientes.count()
        if not cantidad or time.monotonic() > limite:
            return cantidad
        time.sleep(0.2)


# ---- the run -----------------------------------------------------------------------------

def medir(args, clientes: list[Cliente]) -> dict:
    """Tokens, server and worker around one run; everything revoked and stopped after."""
    for cliente in clientes:
        cliente.token, cliente.clave = token_crear(
            usuario=cliente.usuario, nombre="bench websocket", actor=ACTOR, segundo_factor=True,
            entidad=None if cliente.personal else Entidad.objects.get(pk=cliente.entidad_id))
    try:
        with _servidor.Servidor(_comun.entorno(), puerto=args.puerto,
                                procesos=args.procesos) as servidor, \
                _servidor.Trabajador(_comun.entorno()) as trabajador:
            print(f"server up at {servidor.url} ({args.procesos} worker(s), log: "
                  f"{servidor.registro}); celery worker ready (log: {trabajador.registro})")
            try:
                return correr(args, clientes, servidor, trabajador)
            finally:
                # The clients are gone (a revocation closes a live stream with 4403):
                # revoke while the worker runs, so the revocation events (one per token, to
                # the user's own group) are delivered rather than left pending.
                revocar(clientes)
                esperar_outbox(Evento.objects.filter(entregado_en__isnull=True), plazo_s=20)
    finally:
        revocar(clientes)  # if the server or the worker did not start


def correr(args, clientes: list[Cliente], servidor, trabajador) -> dict:
    """Connect the clients, emit, wait for every delivery, collect what each client got."""
    corrida = uuid.uuid4().hex[:12]  # tells this run's events from any other message
    entidades = sorted({c.entidad_id for c in clientes if not c.personal})
    with ProcesoClientes(servidor.puerto, [c.clave for c in clientes], TIPO, corrida) as proceso:
        handshakes = proceso.recibir(180)["handshakes"]
        for cliente, h in zip(clientes, handshakes, strict=True):
            cliente.conectado = isinstance(h, float)
        print(f"{sum(c.conectado for c in clientes)}/{len(clientes)} websocket clients "
              f"connected; emitting {args.tasa:g} events/s for {args.duracion:g} s "
              f"(+{args.calentamiento:g} s warm-up)…", flush=True)
        pids = {"web": servidor.proceso.pid, "worker": trabajador.proceso.pid,
                "clients": proceso.proceso.pid}
        cpu_antes = {k: _servidor.cpu_segundos(p) for k, p in pids.items()}
        cpu_productor = time.process_time()  # not /proc: the clients are our child
        inicio = time.perf_counter()
        emitidos, retraso = producir(entidades, corrida, args.tasa, args.duracion,
                                     args.calentamiento)
        segundos_produccion = time.perf_counter() - inicio
        sin_despachar = esperar_outbox(Evento.objects.filter(
            pk__in=[e.id for e in emitidos], entregado_en__isnull=True), plazo_s=60)
        # Who used the CPU while events flowed (the machine's 2 cores are shared with
        # PostgreSQL, Redis and whatever else runs).
        ventana = time.perf_counter() - inicio
        cpu = {k: _uso(cpu_antes[k], _servidor.cpu_segundos(p), ventana)
               for k, p in pids.items()}
        cpu["producer"] = _uso(cpu_productor, time.process_time(), ventana)
        esperadas = sum(e.para(c) for e in emitidos for c in clientes if c.conectado)
        proceso.enviar({"esperadas": esperadas, "plazo": 15.0})
        recibido = proceso.recibir(60)
    return {"handshakes": handshakes, "recibido": recibido, "emitidos": emitidos,
            "retraso_s": retraso, "segundos_produccion": segundos_produccion,
            "sin_despachar": sin_despachar, "cpu": cpu, "carga": os.getloadavg(),
            "presion": _presion_cpu()}


def _presion_cpu() -> float | None:
    """Share of the last minute in which some runnable task waited for a CPU (Linux PSI):
    what the load of other work on the machine costs every hop of the chain."""
    try:
        campos = Path("/proc/pressure/cpu").read_text().split("\n", 1)[0].split()
        return float(dict(c.split("=") for c in campos[1:])["avg60"])
    except (OSError, ValueError, KeyError):
        return None


def _uso(antes: float | None, despues: float | None, segundos: float) -> float | None:
    """Percent of one core."""
    if antes is None or despues is None:
        return None
    return (despues - antes) / segundos * 100


def revocar(clientes: list[Cliente]) -> None:
    for cliente in clientes:
        if cliente.token is not None:
            token_revocar(token=cliente.token, actor=ACTOR)
            cliente.token = None


def evaluar(clientes: list[Cliente], m: dict) -> dict:
    emitidos = {e.n: e for e in m["emitidos"]}
    latencias, latencias_personal, latencias_entidad = [], [], []
    llegadas: dict[int, list[float]] = {}  # event → receipt times at its clients
    esperadas = recibidas = faltan = duplicadas = ajenas = otros = cierres = 0
    for cliente, r in zip(clientes, m["recibido"]["clientes"], strict=True):
        cuenta = Counter(n for n, _ in r["recibidos"])
        # A client that could not connect is reported as such, not as missing events.
        debe = {n for n, e in emitidos.items() if cliente.conectado and e.para(cliente)}
        esperadas += len(debe)
        recibidas += len(r["recibidos"])
        faltan += len(debe - cuenta.keys())
        duplicadas += sum(k - 1 for k in cuenta.values())
        ajenas += len(cuenta.keys() - debe)  # an event of a group the client is not in
        otros += r["otros"]
        cierres += r["cierre_prematuro"] is not None
        vistos = set()
        for n, marca in r["recibidos"]:
            e = emitidos.get(n)
            if e is None or e.calentamiento or n in vistos or n not in debe:
                continue
            vistos.add(n)
            latencia = marca - e.t_commit
            latencias.append(latencia)
            llegadas.setdefault(n, []).append(marca)
            (latencias_personal if cliente.personal else latencias_entidad).append(latencia)

    # Where the time goes: commit → the dispatcher has fanned the event out (entregado_en is
    # set right after the batch's group_send, before its commit).
    medidos = [e for e in emitidos.values() if not e.calentamiento]
    entregados = dict(Evento.objects.filter(pk__in=[e.id for e in medidos])
                      .values_list("pk", "entregado_en"))
    despacho = [entregados[e.id].timestamp() - e.t_commit for e in medidos
                if entregados.get(e.id)]
    # ... and from there to the first client: the web server's share (negative when a batch of
    # several events was stamped after all of them had been sent).
    servidor = [min(llegadas[e.n]) - entregados[e.id].timestamp() for e in medidos
                if entregados.get(e.id) and llegadas.get(e.n)]
    reintentos = Evento.objects.filter(pk__in=[e.id for e in medidos], intentos__gt=0).count()

    # How far apart the clients of one event got it: each web worker takes one copy of
    # the event from Redis and its consumers write it to their sockets in turn.
    dispersion = [max(t) - min(t) for t in llegadas.values() if len(t) > 1]
    handshakes = [h for h in m["handshakes"] if isinstance(h, float)]
    fallos = [h for h in m["handshakes"] if isinstance(h, str)]
    completo = (not fallos and not faltan and not duplicadas and not ajenas
                and not cierres and esperadas > 0)
    resumen = _resumen(latencias)
    return {
        "latencia": resumen, "personal": _resumen(latencias_personal),
        "entidad": _resumen(latencias_entidad), "despacho": _resumen(despacho),
        "dispersion": _resumen(dispersion), "servidor": _resumen(servidor),
        "handshake": _resumen(handshakes), "conectados": len(handshakes), "fallos": fallos,
        "eventos": len(medidos), "calentamiento": len(emitidos) - len(medidos),
        "tasa_real": len(emitidos) / m["segundos_produccion"],
        "retraso_ms": m["retraso_s"] * 1000, "sin_despachar": m["sin_despachar"],
        "reintentos": reintentos,
        "esperadas": esperadas, "recibidas": recibidas, "faltan": faltan,
        "duplicadas": duplicadas, "ajenas": ajenas, "otros": otros, "cierres": cierres,
        "cpu": m["cpu"],
        "carga": m["carga"], "presion": m["presion"], "completo": completo,
        "objetivo": bool(latencias) and resumen["p95"] < OBJETIVO_P95_MS,
    }


def _resumen(segundos: list[float]) -> dict:
    if not segundos:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ms = [s * 1000 for s in segundos]
    return {"n": len(ms), "p50": round(_comun.percentil(ms, 50), 1),
            "p95": round(_comun.percentil(ms, 95), 1),
            "p99": round(_comun.percentil(ms, 99), 1), "max": round(max(ms), 1)}


def imprimir(args, clientes: list[Cliente], r: dict, backlog: tuple[int, int]) -> None:
    personal = sum(c.personal for c in clientes)

    def fila(nombre, s):
        return [nombre, s["n"], *(("–" if s[k] is None else f"{s[k]:.1f}")
                                  for k in ("p50", "p95", "p99", "max"))]

    def met(valor):
        return "MET" if valor else "NOT MET"

    print()
    print(_comun.tabla(
        f"Websocket fan-out — {len(clientes)} clients on /ws/eventos/ ({len(clientes) - personal}"
        f" entity users over {args.entidades} entities, {personal} staff), "
        f"{args.procesos} web worker(s) (cgii.servidor), dispatcher: Celery worker (solo pool) "
        f"woken by evento_emitir after each commit; {args.tasa:g} events/s for "
        f"{args.duracion:g} s",
        ["measurement", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"], [
            fila("commit → client receipt, all deliveries", r["latencia"]),
            fila("  staff clients (every event)", r["personal"]),
            fila("  entity clients (their entity's events)", r["entidad"]),
            fila("commit → dispatcher fan-out done (entregado_en)", r["despacho"]),
            fila("fan-out done → first client of the event", r["servidor"]),
            fila("first → last client of one event (spread)", r["dispersion"]),
            fila("websocket handshake (token auth)", r["handshake"]),
        ]))
    print(f"events: {r['eventos']} measured (+{r['calentamiento']} warm-up), "
          f"{r['tasa_real']:.1f}/s achieved, producer max lag {r['retraso_ms']:.0f} ms; "
          f"still pending in the outbox: {r['sin_despachar']}, retried: {r['reintentos']}")
    print(f"deliveries: expected {r['esperadas']:,}, received {r['recibidas']:,}, "
          f"missing {r['faltan']}, duplicates {r['duplicadas']}, of a group not joined "
          f"{r['ajenas']}; other messages {r['otros']}; clients connected "
          f"{r['conectados']}/{len(clientes)}, closed early {r['cierres']}")
    for fallo in r["fallos"][:3]:
        print(f"  connect failure: {fallo}")
    uso = ", ".join(f"{k} {'?' if v is None else f'{v:.0f}%'}" for k, v in r["cpu"].items())
    presion = "?" if r["presion"] is None else f"{r['presion']:.0f}%"
    print(f"CPU while events flowed (% of one core): {uso}; load average "
          f"{r['carga'][0]:.1f} on {os.cpu_count()} cores; CPU pressure (time something "
          f"waited for a core, last minute) {presion}")
    print(f"{backlog[0]:,} events other runs left pending were parked during the run and "
          f"restored; {backlog[1]:,} stale dispatch requests purged")
    print(f"targets: commit → receipt p95 < {OBJETIVO_P95_MS:.0f} ms → {met(r['objetivo'])}; "
          f"every client got exactly its groups' events → {met(r['completo'])}")


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=200)
    parser.description = "Websocket fan-out latency, commit → client receipt (issue 5)."
    parser.add_argument("--personal", type=int, default=50,
                        help="how many of the --n clients are CGII staff (default 50)")
    parser.add_argument("--entidades", type=int, default=10,
                        help="entities the other clients are spread over (default 10)")
    parser.add_argument("--tasa", type=float, default=20.0, help="events per second")
    parser.add_argument("--duracion", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--calentamiento", type=float, default=3.0,
                        help="seconds of events emitted first and not measured")
    parser.add_argument("--procesos", type=int, default=procesos_por_defecto(),
                        help="web worker processes (python -m cgii.servidor: gunicorn + uvicorn; "
                             "default: its own, two per core)")
    parser.add_argument("--puerto", type=int, default=8765,
                        help="server port (a free one is used if it is taken)")
    args = parser.parse_args()
    # A plain kill must still stop the server and the worker and un-park the outbox: make
    # SIGTERM unwind through the finally blocks and context managers like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not 0 <= args.personal <= args.n or args.entidades < 1:
        parser.error("need 0 <= --personal <= --n and --entidades >= 1")

    if args.reset:
        borrados, _ = Evento.objects.filter(tipo=TIPO).delete()
        print(f"--reset: deleted {borrados:,} outbox rows of earlier runs.")
    clientes = sembrar(args.n, args.personal, args.entidades)
    apartados = apartar_pendientes()
    try:
        purgadas = purgar_solicitudes()
        medicion = medir(args, clientes)
    finally:
        devolver_pendientes()
    backlog = (apartados, purgadas)
    r = evaluar(clientes, medicion)
    imprimir(args, clientes, r, backlog)

    figuras = {"clientes": len(clientes), "personal": args.personal,
               "entidades": args.entidades, "procesos": args.procesos,
               "tasa_objetivo": args.tasa, "tasa_real": round(r["tasa_real"], 2),
               "eventos": r["eventos"], "conectados": r["conectados"]}
    for clave in ("latencia", "personal", "entidad", "despacho", "servidor", "dispersion",
                  "handshake"):
        prefijo = {"personal": "latencia_personal", "entidad": "latencia_entidad"}.get(clave,
                                                                                     clave)
        for k in ("p50", "p95", "p99", "max"):
            figuras[f"{prefijo}_{k}_ms"] = r[clave][k]
    figuras.update({k: r[k] for k in ("esperadas", "recibidas", "faltan", "duplicadas",
                                      "ajenas", "otros", "cierres", "sin_despachar",
                                      "reintentos")})
    figuras.update({"retraso_productor_ms": round(r["retraso_ms"], 1),
                    "pendientes_apartados": backlog[0], "solicitudes_purgadas": backlog[1],
                    **{f"cpu_{k}_pct": None if v is None else round(v, 1)
                       for k, v in r["cpu"].items()},
                    "carga_1min": round(r["carga"][0], 2), "presion_cpu_pct": r["presion"],
                    "objetivo_p95_ms": OBJETIVO_P95_MS, "entrega_exacta": r["completo"],
                    "target_met": r["objetivo"] and r["completo"]})
    _comun.escribir_json(args.json, figuras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
