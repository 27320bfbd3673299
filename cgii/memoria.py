"""Keep Python's full garbage collections off the request path (issue 22).

A loaded web process holds ~250,000 objects before its first request: Django and every app,
DRF and drf-spectacular, Celery, stix2, WeasyPrint, the Elasticsearch client. They are
modules, classes, functions and their dicts, scattered in memory, and a full (generation 2)
collection walks all of them: ~120 ms on the 2-core machine of bench/escala.py, against
~4 ms for as many freshly allocated dicts. Python runs one whenever enough new objects have
survived, in whatever request happens to be running: that was the incident detail's p95
(~390 ms at a p50 of ~20 ms) and it hits any path alike.

``gc.freeze()`` moves every object alive at that moment into a permanent generation that
collections skip. Objects loaded at start-up live as long as the process anyway, so nothing
collectable is lost; what requests allocate later is collected as before. After the freeze a
full collection takes < 1 ms (docs/perfiles.md). The same technique CPython
documents for pre-fork servers (``gc.freeze`` in the ``gc`` module's docs), which is what the
web role is: gunicorn forks uvicorn workers, each imports ``cgii.asgi`` and freezes there.
"""

import gc


def congelar_arranque() -> int:
    """Collect once, then freeze what survives; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
