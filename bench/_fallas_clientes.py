"""The clients of bench/fallas.py: reporters over the API and listeners on /ws/eventos/.

Reporters behave as a well-written integrating system: every report carries a unique tag
and an ``Idempotency-Key``; a connection error, a timeout or a 5xx is retried with the same
key (honouring ``Retry-After``) until a deadline. Listeners follow the stream protocol of
docs/eventos.md: their position is the ``secuencia`` of the last ``flujo.sincronizado`` /
``flujo.posicion`` marker, they reconnect with ``?desde=<position>`` and de-duplicate by id.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

# ---- reporters -------------------------------------------------------------------------------


@dataclass
class Reporte:
    etiqueta: str
    aceptado: bool = False  # the client finally got a 201 (first answer or replay)
    intentos: int = 0
    errores: list[str] = field(default_factory=list)
    primera_vez: float = 0.0
    aceptado_en: float | None = None


class Informantes:
    """``n`` threads, each POSTing ``tasa`` reports per second until ``detener()``."""

    PLAZO_REINTENTO_S = 90.0

    def __init__(self, url: str, clave: str, n: int, tasa: float, corrida: str):
        self.url, self.clave, self.n, self.tasa, self.corrida = url, clave, n, tasa, corrida
        self.reportes: list[Reporte] = []
        self._parar = threading.Event()
        self._lock = threading.Lock()
        self._hilos: list[threading.Thread] = []

    def iniciar(self) -> None:
        self._hilos = [threading.Thread(target=self._bucle, args=(i,), daemon=True)
                       for i in range(self.n)]
        for hilo in self._hilos:
            hilo.start()

    def detener(self) -> None:
        """Stop sending new reports; wait for those being retried."""
        self._parar.set()
        for hilo in self._hilos:
            hilo.join(self.PLAZO_REINTENTO_S + 30)

    def _bucle(self, cliente: int) -> None:
        with requests.Session() as sesion:
            sesion.headers["Authorization"] = f"Token {self.clave}"
            periodo, siguiente = 1.0 / self.tasa, time.monotonic()
            while not self._parar.is_set():
                reporte = Reporte(f"{self.corrida}-{cliente}-{uuid.uuid4().hex[:12]}")
                with self._lock:
                    self.reportes.append(reporte)
                self._enviar(sesion, reporte)
                siguiente += periodo
                time.sleep(max(0.0, siguiente - time.monotonic()))

    def _enviar(self, sesion: requests.Session, r: Reporte) -> None:
        cuerpo = {"titulo": f"Falla simulada {r.etiqueta}",
                  "descripcion": "Reporte del banco de fallas: servidor con tráfico anómalo.",
                  "detectado_en": "2026-12-01T10:00:00-04:00"}
        r.primera_vez = time.monotonic()
        espera = 0.25
        while time.monotonic() - r.primera_vez < self.PLAZO_REINTENTO_S:
            r.intentos += 1
            try:
                respuesta = sesion.post(f"{self.url}/api/v1/incidentes/", json=cuerpo,
                                        headers={"Idempotency-Key": r.etiqueta}, timeout=15)
            except requests.RequestException as exc:
                r.errores.append(type(exc).__name__)
            else:
                if respuesta.status_code == 201:
                    r.aceptado, r.aceptado_en = True, time.monotonic()
                    return
                r.errores.append(str(respuesta.status_code))
                if respuesta.status_code < 500 and respuesta.status_code not in (409, 429):
                    return  # refused for good
                try:
                    espera = max(espera, float(respuesta.headers.get("Retry-After", 0)))
                except ValueError:
                    pass
            time.sleep(min(espera, 4.0) * random.uniform(0.8, 1.2))
            espera = min(espera * 2, 4.0)


# ---- listeners -------------------------------------------------------------------------------


@dataclass
class Oyente:
    nombre: str
    clave: str
    grupos: frozenset[str]
    posicion: int  # the first position (a page render), then the last confirmed one
    inicial: int = 0
    recibidos: dict[int, int] = field(default_factory=dict)  # event id -> times received
    llegadas: list[float] = field(default_factory=list)  # monotonic time of each new event
    conexiones: int = 0
    cierres: list[str] = field(default_factory=list)
    incompletos: int = 0

    def __post_init__(self):
        self.inicial = self.posicion

    @property
    def duplicados(self) -> int:
        return sum(n - 1 for n in self.recibidos.values())


class Oyentes:
    """The listeners on one asyncio loop in a thread of their own."""

    def __init__(self, puerto: int, oyentes: list[Oyente]):
        self.puerto, self.oyentes = puerto, oyentes
        self.vaiven = False  # churn: each client closes and reconnects every 1-4 s
        self._bucle = asyncio.new_event_loop()
        self._parar: asyncio.Event | None = None
        self._hilo = threading.Thread(target=self._correr, daemon=True)

    def iniciar(self) -> None:
        self._hilo.start()

    def detener(self) -> None:
        if self._parar is not None:
            self._bucle.call_soon_threadsafe(self._parar.set)
        self._hilo.join(30)

    def _correr(self) -> None:
        asyncio.set_event_loop(self._bucle)
        self._parar = asyncio.Event()
        self._bucle.run_until_complete(
            asyncio.gather(*(self._escuchar(o) for o in self.oyentes)))

    async def _escuchar(self, o: Oyente) -> None:
        from websockets.asyncio.client import connect

        espera = 0.5
        while not self._parar.is_set():
            url = f"ws://127.0.0.1:{self.puerto}/ws/eventos/?desde={o.posicion}"
            try:
                async with connect(url, additional_headers={"Authorization": f"Token {o.clave}"},
                                   open_timeout=10, close_timeout=2, max_size=None) as ws:
                    o.conexiones += 1
                    espera = 0.5
                    await self._leer(o, ws)
            except Exception as exc:  # noqa: BLE001 - any failure: reconnect, as a browser
                o.cierres.append(type(exc).__name__)
            if self._parar.is_set():
                break
            await asyncio.sleep(espera * random.uniform(0.5, 1.0))
            espera = min(espera * 2, 4.0)

    async def _leer(self, o: Oyente, ws) -> None:
        fin = (time.monotonic() + random.uniform(1, 4)) if self.vaiven else None
        parar = asyncio.ensure_future(self._parar.wait())
        try:
            while True:
                limite = None if fin is None else max(0.0, fin - time.monotonic())
                recibir = asyncio.ensure_future(ws.recv())
                hechos, _ = await asyncio.wait({recibir, parar}, timeout=limite,
                                               return_when=asyncio.FIRST_COMPLETED)
                if recibir not in hechos:
                    recibir.cancel()
                    return  # stopping, or a churn reconnect
                self._anotar(o, json.loads(recibir.result()))
                if fin is not None and time.monotonic() >= fin:
                    return
        finally:
            parar.cancel()

    @staticmethod
    def _anotar(o: Oyente, m: dict) -> None:
        tipo = m.get("tipo")
        if tipo in ("flujo.sincronizado", "flujo.posicion"):
            o.posicion = m["secuencia"]
            if m.get("completo") is False:
                o.incompletos += 1
            return
        if m.get("id") is not None:
            if m["id"] not in o.recibidos:
                o.llegadas.append(time.monotonic())
            o.recibidos[m["id"]] = o.recibidos.get(m["id"], 0) + 1
