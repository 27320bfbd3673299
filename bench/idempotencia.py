"""Issue 14: what an ``Idempotency-Key`` costs on the intake, and what a replay costs.

    .venv/bin/python bench/idempotencia.py [--n 300] [--clientes 4] [--json FILE]

POST /api/v1/incidentes/ to a real daphne server (cgii.servidor) with an entity API token:
(a) without the header and (b) with a fresh key per report, alternating request by request
in the same client loop (so a busy machine slows both alike), then (c) the keys of (b) sent
again (every request a replay); sequential (1 client) and concurrent (--clientes). Wall time
per request on the client; nothing asserted. Uses its own bench database
(cgii_bench_idem by default) and its own entity, so it never touches another script's data.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import timedelta

import _comun

_comun.preparar("cgii_bench_idem")

import _limpieza  # noqa: E402
import _servidor  # noqa: E402
import requests  # noqa: E402
from django.utils import timezone  # noqa: E402

from cgii.entidades.services import token_crear, token_revocar  # noqa: E402
from cgii.idempotencia.models import ClaveIdempotencia  # noqa: E402
from cgii.servidor import procesos_por_defecto  # noqa: E402
from incidentes.models import Incidente  # noqa: E402
from tests.factories import crear_entidad, crear_usuario  # noqa: E402

logging.getLogger("axes").setLevel(logging.WARNING)


def _lote(url, secreto, claves, detectado_en, resultado, candado, repeticion):
    with requests.Session() as sesion:
        sesion.headers["Authorization"] = f"Token {secreto}"
        for clave in claves:
            cabeceras = {"Idempotency-Key": clave} if clave else {}
            # The body is the same for a key's first request and its replay.
            cuerpo = {"titulo": f"Phishing SIGEP ({clave or uuid.uuid4().hex})",
                      "descripcion": "Correos que piden credenciales del SIGEP.",
                      "detectado_en": detectado_en}
            inicio = time.perf_counter()
            r = sesion.post(f"{url}/api/v1/incidentes/", json=cuerpo, headers=cabeceras,
                            timeout=60)
            latencia = time.perf_counter() - inicio
            tipo = "c" if repeticion else ("b" if clave else "a")
            with candado:
                resultado["latencias"].setdefault(tipo, []).append(latencia)
                resultado["estados"][r.status_code] = resultado["estados"].get(
                    r.status_code, 0) + 1
                if r.headers.get("Idempotent-Replayed") == "true":
                    resultado["repetidas"] += 1


def fase(url, secreto, claves_por_cliente, detectado_en, repeticion=False) -> dict:
    resultado = {"latencias": {}, "estados": {}, "repetidas": 0}
    candado = threading.Lock()
    hilos = [threading.Thread(target=_lote, args=(url, secreto, claves, detectado_en,
                                                 resultado, candado, repeticion))
             for claves in claves_por_cliente]
    inicio = time.perf_counter()
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    segundos = time.perf_counter() - inicio
    n = sum(len(v) for v in resultado["latencias"].values())
    return {"por_tipo": {t: {**_comun.resumen_ms(v), "peticiones": len(v)}
                         for t, v in resultado["latencias"].items()},
            "por_segundo": round(n / segundos, 1), "estados": resultado["estados"],
            "repetidas": resultado["repetidas"], "clientes": len(claves_por_cliente)}


def main() -> int:
    parser = _comun.argumentos(__doc__.splitlines()[0], n_defecto=300)
    parser.add_argument("--clientes", type=int, default=4)
    parser.add_argument("--procesos", type=int, default=procesos_por_defecto())
    parser.add_argument("--puerto", type=int, default=8766)
    args = parser.parse_args()

    entidad = crear_entidad(nombre=f"Bench idempotencia {uuid.uuid4().hex[:6]}",
                            sigla=f"BI{uuid.uuid4().hex[:5]}")
    usuario = crear_usuario(username=f"bench-idem-{uuid.uuid4().hex[:8]}", entidad=entidad,
                            rol_entidad="reportante")
    token, secreto = token_crear(usuario=usuario, nombre="bench idempotencia", entidad=entidad,
                                 actor="bench/idempotencia.py", alcance="escritura")
    detectado_en = (timezone.localtime() - timedelta(minutes=20)).isoformat(timespec="seconds")
    n, c = args.n, args.clientes
    filas, figuras = [], {}
    try:
        with _servidor.Servidor(_comun.entorno(), puerto=args.puerto,
                                procesos=args.procesos) as servidor:
            url = servidor.url
            fase(url, secreto, [[None] * 20], detectado_en)  # warm every process
            nombres = {"a": "(a) no key", "b": "(b) fresh key", "c": "(c) replay of (b)"}
            for clientes in (1, c):
                por_cliente = n // clientes
                # None = no key: a, b, a, b, ... in every client's loop.
                claves = [[None if i % 2 == 0 else f"k{clientes}-{uuid.uuid4()}"
                           for i in range(por_cliente)] for _ in range(clientes)]
                mezcla = fase(url, secreto, claves, detectado_en)
                repeticion = fase(url, secreto, [[k for k in ks if k] for ks in claves],
                                  detectado_en, repeticion=True)
                for m, total in ((mezcla, f"{mezcla['por_segundo']} (a+b)"),
                                 (repeticion, str(repeticion["por_segundo"]))):
                    for tipo, t in sorted(m["por_tipo"].items()):
                        filas.append([f"{nombres[tipo]}, {clientes} client(s)", t["peticiones"],
                                      t["p50"], t["p95"], t["max"], total,
                                      ",".join(f"{k}×{v}" for k, v in sorted(m["estados"].items()))
                                      + f" ({m['repetidas']} replayed)"])
                        figuras.update({f"{tipo}_{clientes}_p50_ms": t["p50"],
                                        f"{tipo}_{clientes}_p95_ms": t["p95"]})
                    figuras[f"{'c' if m is repeticion else 'ab'}_{clientes}_por_segundo"] = \
                        m["por_segundo"]
    finally:
        token_revocar(token=token, actor="bench/idempotencia.py")
    creados = Incidente.objects.filter(entidad=entidad).count()
    claves = ClaveIdempotencia.objects.filter(usuario=usuario).count()
    print()
    print(_comun.tabla(
        f"Intake with and without Idempotency-Key over HTTP (daphne, {args.procesos} "
        f"process(es)); incidents created {creados}, key rows {claves}",
        ["phase", "requests", "p50 ms", "p95 ms", "max ms", "req/s of the phase", "HTTP"],
        filas))
    # No target: issue 14 asks what a key costs, not for a threshold (the runner shows "–").
    figuras.update({"incidentes_creados": creados, "claves": claves, "target_met": None})
    _comun.escribir_json(args.json, figuras)
    # The run's entity is fresh, so its incidents are exactly this run's: remove them (with
    # their clocks and events) and its keys, so the database does not grow run after run.
    borrados = _limpieza.borrar_incidentes(
        list(Incidente.objects.filter(entidad=entidad).values_list("pk", flat=True)))
    ClaveIdempotencia.objects.filter(usuario=usuario).delete()
    print(f"Removed the {borrados:,} incidents and {claves:,} key rows this run created.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
