"""Security headers the settings alone cannot set (issue 16, finding 10).

- ``Permissions-Policy``: no page of the platform uses the camera, microphone, location,
  payment, USB or motion sensors; the header says so, so an injected frame or script cannot
  ask for them either.
- ``connect-src``: the policy (settings.CONTENT_SECURITY_POLICY) allows ``'self'`` only —
  no ``ws:``/``wss:`` to any host. CSP Level 3 makes ``'self'`` match the page's own host over
  ws/wss, but older browsers (Chrome before 71, Safari before 16) do not; this adds the
  exact websocket origin of the request (``ws://host`` or ``wss://host`` for HTTPS), so the
  live pages connect everywhere and nowhere else.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost

PERMISOS = ", ".join(f"{p}=()" for p in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
    "screen-wake-lock", "serial", "usb", "xr-spatial-tracking"))


def origen_websocket(request) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


def origen_proveedor_ciudadania() -> str | None:
    url = getattr(settings, "CIUDADANIA_PROVEEDOR_URL", "")
    if not url:
        return None
    partes = urlsplit(url)
    return f"{partes.scheme}://{partes.netloc}"


class CabecerasSeguridadMiddleware:
    """Inside django-csp's CSPMiddleware (it reads ``response._csp_update`` afterwards)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        respuesta = self.get_response(request)
        respuesta.headers.setdefault("Permissions-Policy", PERMISOS)
        origen = origen_websocket(request)
        actual = getattr(respuesta, "_csp_update", None) or {}
        if origen is not None:
            actual = {**actual, "connect-src": [*actual.get("connect-src", []), origen]}
        proveedor = origen_proveedor_ciudadania()
        if proveedor:
            # Logging out is a POST whose redirect ends at the provider's end_session
            # endpoint; browsers check form-action along a form's redirects.
            actual = {**actual, "form-action": [*actual.get("form-action", []), proveedor]}
        if actual:
            respuesta._csp_update = actual
        return respuesta
