"""What the screenshot scripts (``capturas_*.py``, not tests) share: the Django set-up that
lets them read the demo's TOTP secrets, Chromium's launch arguments, the demo password and
logging a demo user in. Scripts run as ``python tests/e2e/capturas_x.py [BASE]``, so this
module is imported by its plain name from their folder."""

import os
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(RAIZ))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgii.settings")
# Playwright's sync API runs an event loop in this thread; the ORM reads here are harmless.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django  # noqa: E402

django.setup()

from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

CAPTURAS = RAIZ / "docs" / "screenshots"
BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8077"
CLAVE = "Demo-CGII-2026"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def lanzar(playwright):
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)


def codigo_totp(nombre: str) -> str:
    dispositivo = TOTPDevice.objects.get(user__username=nombre, confirmed=True)
    return f"{totp(dispositivo.bin_key):06d}"


def ingresar(browser, nombre: str, *, personal: bool, siguiente: str = "/", ancho=1600,
             alto=1000, errores: list[str] | None = None, **contexto):
    """A new browser context logged in as ``nombre`` (staff also type their TOTP code).
    Page errors and 5xx answers go to ``errores`` when given, else they are printed."""
    pagina = browser.new_context(viewport={"width": ancho, "height": alto}, **contexto).new_page()
    anotar = errores.append if errores is not None else (lambda texto: print(" ", texto))
    pagina.on("pageerror", lambda e: anotar(f"error de página: {e}"))
    pagina.on("response", lambda r: r.status >= 500 and anotar(f"{r.status} {r.url}"))
    pagina.goto(f"{BASE}/cuenta/ingresar/?next={siguiente}")
    pagina.fill("#id_username", nombre)
    pagina.fill("#id_password", CLAVE)
    if personal:
        pagina.fill("#id_codigo", codigo_totp(nombre))
    pagina.click("form button[type=submit]")
    pagina.wait_for_load_state()
    assert "/cuenta/ingresar/" not in pagina.url, nombre
    return pagina
