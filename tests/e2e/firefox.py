"""A small WebDriver BiDi client for Debian's Firefox ESR, for the browser tests.

Playwright drives only its own patched Firefox build, which is downloaded from Playwright's
servers (unreachable here); Selenium needs geckodriver, which Debian does not package. A
stock Firefox speaks WebDriver BiDi (the W3C protocol) itself, over one websocket, so the
few commands a test needs are a page of code: session, one user context (cookie jar) per
simulated user, navigate, evaluate a script, screenshot, and the page's JavaScript errors.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from itertools import count
from pathlib import Path

from websockets.sync.client import connect

FIREFOX = os.environ.get("CGII_FIREFOX", "/usr/bin/firefox-esr")
# A quiet profile: no first-run pages, updates, telemetry or other background traffic.
PREFERENCIAS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "extensions.update.enabled": False,
    "remote.active-protocols": 1,  # WebDriver BiDi only
}


class ErrorBidi(RuntimeError):
    """A BiDi command failed, or the script threw: the message says which and why."""


class Firefox:
    """``with Firefox() as ff:`` — a headless Firefox with a BiDi session."""

    def __init__(self, *, espera: float = 60):
        self.perfil = Path(tempfile.mkdtemp(prefix="cgii-firefox-"))
        (self.perfil / "user.js").write_text("".join(
            f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFERENCIAS.items()))
        self.registro = self.perfil / "firefox.log"
        self.proceso = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--profile", str(self.perfil),
             "--remote-debugging-port", "0"],
            stdout=subprocess.DEVNULL, stderr=self.registro.open("wb"),
            env={**os.environ, "MOZ_HEADLESS": "1"})
        self._pila = ExitStack()
        self.ws = self._pila.enter_context(
            connect(f"{self._url_bidi(espera)}/session", max_size=None, open_timeout=espera))
        self._ids = count(1)
        self._lock = threading.Lock()
        self.errores_js: list[str] = []
        self.comando("session.new", capabilities={"alwaysMatch": {}})
        self.comando("session.subscribe", events=["log.entryAdded"])

    def _url_bidi(self, espera: float) -> str:
        limite = time.monotonic() + espera
        while time.monotonic() < limite:
            if self.proceso.poll() is not None:
                raise ErrorBidi(f"Firefox terminó: {self.registro.read_text()[-2000:]}")
            for linea in self.registro.read_text(errors="replace").splitlines():
                if "WebDriver BiDi listening on " in linea:
                    return linea.split("listening on ", 1)[1].strip()
            time.sleep(0.1)
        raise ErrorBidi(f"Firefox no abrió BiDi: {self.registro.read_text()[-2000:]}")

    def comando(self, metodo: str, **params) -> dict:
        with self._lock:
            ident = next(self._ids)
            self.ws.send(json.dumps({"id": ident, "method": metodo, "params": params}))
            while True:
                mensaje = json.loads(self.ws.recv(timeout=60))
                if mensaje.get("type") == "event":
                    self._evento(mensaje)
                    continue
                if mensaje.get("id") != ident:
                    continue
                if mensaje.get("type") == "error":
                    raise ErrorBidi(f"{metodo}: {mensaje.get('error')}: {mensaje.get('message')}")
                return mensaje["result"]

    def _evento(self, mensaje: dict) -> None:
        if mensaje.get("method") == "log.entryAdded":
            entrada = mensaje["params"]
            if entrada.get("type") == "javascript" and entrada.get("level") == "error":
                self.errores_js.append(entrada.get("text", ""))

    def pestana(self, *, ancho: int = 1440, alto: int = 900) -> Pestana:
        """A new tab in a user context of its own (its own cookies: one user each)."""
        usuario = self.comando("browser.createUserContext")["userContext"]
        contexto = self.comando("browsingContext.create", type="tab",
                                userContext=usuario)["context"]
        self.comando("browsingContext.setViewport", context=contexto,
                     viewport={"width": ancho, "height": alto})
        return Pestana(self, contexto)

    def cerrar(self) -> None:
        try:
            self.comando("browser.close")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self._pila.close()
        finally:
            try:
                self.proceso.wait(15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(5)
            shutil.rmtree(self.perfil, ignore_errors=True)

    def __enter__(self) -> Firefox:
        return self

    def __exit__(self, *exc) -> None:
        self.cerrar()


class Pestana:
    def __init__(self, firefox: Firefox, contexto: str):
        self.ff, self.contexto = firefox, contexto

    def ir(self, url: str) -> None:
        self.ff.comando("browsingContext.navigate", context=self.contexto, url=url,
                        wait="complete")

    def evaluar(self, expresion: str):
        """The value of a JavaScript expression (JSON round trip; promises are awaited)."""
        r = self.ff.comando("script.evaluate", target={"context": self.contexto},
                            expression=f"(async () => JSON.stringify(await ({expresion})))()",
                            awaitPromise=True)
        if r.get("type") == "exception":
            detalle = r.get("exceptionDetails", {})
            raise ErrorBidi(f"{expresion!r}: {detalle.get('text')}")
        valor = r["result"].get("value")
        return None if valor is None else json.loads(valor)

    def esperar(self, expresion: str, *, timeout: float = 5, mensaje: str = ""):
        """Poll until the expression is truthy; return its value and the seconds it took.
        Errors while a navigation replaces the document count as "not yet"."""
        inicio = time.monotonic()
        ultimo = None
        while True:
            try:
                valor = self.evaluar(expresion)
                if valor:
                    return valor, time.monotonic() - inicio
                ultimo = valor
            except ErrorBidi as error:
                ultimo = error
            if time.monotonic() - inicio > timeout:
                raise AssertionError(f"{mensaje or expresion} (último valor: {ultimo!r})")
            time.sleep(0.05)

    def archivos(self, selector: str, rutas: list[Path]) -> None:
        """Choose files in an ``<input type=file>`` (as the user would in the dialog)."""
        r = self.ff.comando("script.evaluate", target={"context": self.contexto},
                            expression=f"document.querySelector({json.dumps(selector)})",
                            awaitPromise=False, resultOwnership="root")
        nodo = r.get("result", {})
        if nodo.get("type") != "node":
            raise ErrorBidi(f"{selector!r} no es un elemento: {r}")
        self.ff.comando("input.setFiles", context=self.contexto,
                        element={"sharedId": nodo["sharedId"]},
                        files=[str(ruta) for ruta in rutas])

    def texto(self, selector: str) -> str:
        return self.evaluar(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''")

    def captura(self, ruta: Path) -> None:
        datos = self.ff.comando("browsingContext.captureScreenshot",
                                context=self.contexto)["data"]
        ruta.write_bytes(base64.b64decode(datos))
