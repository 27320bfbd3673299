"""The websocket clients of bench/websocket_fanout.py: one asyncio process, no Django.

``ProcesoClientes`` (used by the parent) runs this file as that process: importing daphne (as
django.setup() does) makes autobahn use Twisted, and autobahn cannot use asyncio too in the
same process. Parent and child talk one JSON line at a time over the child's stdin/stdout.
"""

from __future__ import annotations

import asyncio
import json
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent


def _linea(objeto) -> None:
    sys.stdout.write(json.dumps(objeto) + "\n")
    sys.stdout.flush()


def escuchar() -> int:
    """The child: read the set-up line, connect, answer, wait for the end line, answer."""
    # Ctrl-C reaches the whole process group; the parent ends us through stdin instead, so
    # the connections are still closed at a pace the server can take.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    orden = json.loads(sys.stdin.readline())
    try:
        _linea(asyncio.run(_clientes(**orden)))
    except BaseException as exc:  # the parent is waiting on our stdout: tell it why
        _linea({"error": repr(exc)})
        raise
    return 0


async def _clientes(puerto: int, claves: list[str], tipo: str, corrida: str) -> dict:
    from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol

    class Protocolo(WebSocketClientProtocol):
        def onOpen(self):
            self.factory.abierto.set_result(time.perf_counter())

        def onMessage(self, payload, isBinary):
            # Stamp first, parse after the run: whatever ran before the stamp would count
            # as delivery latency.
            self.factory.mensajes.append((time.time(), payload))

        def onClose(self, wasClean, code, reason):
            f = self.factory
            if not f.abierto.done():
                f.abierto.set_exception(ConnectionError(f"closed {code}: {reason}"))
            elif not f.cerrando:
                f.cierre_prematuro = code  # the server closed a live stream
            f.cerrado.set()

    loop = asyncio.get_running_loop()
    fabricas = []
    for clave in claves:
        f = WebSocketClientFactory(f"ws://127.0.0.1:{puerto}/ws/eventos/",
                                   headers={"Authorization": f"Token {clave}"})
        f.protocol = Protocolo
        # No UTF-8 validation of incoming text: a client-side cost that is not the server's.
        f.setProtocolOptions(utf8validateIncoming=False, openHandshakeTimeout=60,
                             closeHandshakeTimeout=5)
        f.abierto, f.cerrado = loop.create_future(), asyncio.Event()
        f.mensajes, f.cerrando, f.cierre_prematuro, f.proto = [], False, None, None
        fabricas.append(f)

    # A browser fleet reconnecting does not arrive in one burst either: 20 handshakes at a
    # time keep the token look-ups from queueing behind each other for many seconds.
    semaforo = asyncio.Semaphore(20)

    async def conectar(f) -> float | str:
        async with semaforo:
            inicio = time.perf_counter()
            try:
                _, f.proto = await loop.create_connection(f, "127.0.0.1", puerto)
                return await asyncio.wait_for(f.abierto, 90) - inicio
            except Exception as exc:  # noqa: BLE001 — reported: a refused client is a finding
                return repr(exc)

    # One entry per client, in order: handshake seconds, or why it failed.
    _linea({"handshakes": await asyncio.gather(*(conectar(f) for f in fabricas))})

    # The producer is done: expected deliveries, and how long to wait for them at most.
    # End of input (the parent failed) means: close now, politely.
    linea = await loop.run_in_executor(None, sys.stdin.readline)
    fin = json.loads(linea) if linea else {"esperadas": 0, "plazo": 0}
    limite = time.monotonic() + fin["plazo"]
    while time.monotonic() < limite:
        if sum(len(f.mensajes) for f in fabricas) >= fin["esperadas"]:
            # Give duplicates (and anything else still in flight) a moment to show up.
            await asyncio.sleep(1.0)
            break
        await asyncio.sleep(0.05)

    # Closed 20 every 0.25 s: each close makes the consumer leave its groups, and a burst
    # of closes overflowed the web process's Redis pool (redis-py caps it at 100 by default): the
    # failed group_discard (MaxConnectionsError) leaves the dead channel in its groups,
    # where every later group_send still writes to it for a day. Waiting for our close
    # handshake is not enough: the server answers it before the consumer runs its discard.
    for f in fabricas:
        f.cerrando = True
    abiertas = [f for f in fabricas if f.proto is not None and f.abierto.done()
                and not f.abierto.exception()]
    for i in range(0, len(abiertas), 20):
        for f in abiertas[i:i + 20]:
            f.proto.sendClose(1000)
        await asyncio.sleep(0.25)
    await asyncio.wait([asyncio.create_task(f.cerrado.wait()) for f in abiertas], timeout=10)

    salida = []
    for f in fabricas:
        recibidos, otros = [], 0
        for marca, carga in f.mensajes:
            mensaje = json.loads(carga)
            bench = (mensaje.get("datos") or {}).get("bench") or {}
            if mensaje.get("tipo") == tipo and bench.get("corrida") == corrida:
                recibidos.append((bench["n"], marca))
            else:
                otros += 1
        salida.append({"recibidos": recibidos, "otros": otros,
                       "cierre_prematuro": f.cierre_prematuro})
    return {"clientes": salida}


class ProcesoClientes:
    """``with ProcesoClientes(...) as p:`` — the client process (this file), always ended
    on exit."""

    def __init__(self, puerto: int, claves: list[str], tipo: str, corrida: str):
        self.orden = {"puerto": puerto, "claves": claves, "tipo": tipo, "corrida": corrida}

    def __enter__(self) -> ProcesoClientes:
        # stderr is inherited: a traceback of the child shows up in our output.
        self.proceso = subprocess.Popen([sys.executable, __file__], cwd=RAIZ,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.enviar(self.orden)
        return self

    def enviar(self, objeto: dict) -> None:
        self.proceso.stdin.write(json.dumps(objeto) + "\n")
        self.proceso.stdin.flush()

    def recibir(self, espera_s: float) -> dict:
        listos, _, _ = select.select([self.proceso.stdout], [], [], espera_s)
        linea = self.proceso.stdout.readline() if listos else ""
        if not linea:
            raise RuntimeError("the client process did not answer within "
                               f"{espera_s:.0f} s (exit code {self.proceso.poll()})")
        mensaje = json.loads(linea)
        if "error" in mensaje:
            raise RuntimeError(f"the client process failed: {mensaje['error']}")
        return mensaje

    def __exit__(self, *exc) -> None:
        # After a normal run the child has already exited. Otherwise closing its stdin makes
        # it close its connections as at the end of a run: killed, it would drop all 200 at
        # once, and that burst leaves dead channels in the groups (see _clientes).
        # communicate() closes stdin and reads (and drops) what the child still writes.
        try:
            self.proceso.communicate(timeout=30)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            self.proceso.kill()
            self.proceso.wait()


if __name__ == "__main__":
    sys.exit(escuchar())
