import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgii.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from django.urls import get_resolver  # noqa: E402

# Import the URLconf (and with it every view module, DRF, drf-spectacular) now: lazily, the
# first request of each server process paid ~0.3 s for it.
rutas_http = get_resolver().url_patterns

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from cgii.eventos.ws_auth import pila_websocket  # noqa: E402
from cgii.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": pila_websocket(URLRouter(websocket_urlpatterns)),
    }
)

if settings.EMBEBIDO and os.environ.get("CGII_TAREAS_EMBEBIDAS", "1") == "1":
    # Embedded profile: no Celery worker/beat, so the outbox dispatcher and periodic
    # jobs run on a ticker thread inside this one ASGI process.
    from cgii.eventos.embebido import iniciar_ticker

    iniciar_ticker()

from cgii.memoria import congelar_arranque  # noqa: E402

# Last: everything imported above lives as long as the process; full garbage collections
# must not walk it again in the middle of a request (cgii/memoria.py).
congelar_arranque()
