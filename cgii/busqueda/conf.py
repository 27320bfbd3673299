"""Search settings (read at call time, so tests can override them)."""

import os

from django.conf import settings


def backend_nombre() -> str:
    return getattr(settings, "BUSQUEDA_BACKEND", "database") or "database"


def url_elasticsearch() -> str:
    return getattr(settings, "ELASTICSEARCH_URL", "") or ""


def prefijo() -> str:
    """Index and alias names start with it (``cgii-incidentes``): several installations, or
    test runs, can share one cluster."""
    return getattr(settings, "BUSQUEDA_PREFIJO", None) or os.environ.get(
        "CGII_BUSQUEDA_PREFIJO", "cgii")


# A write path that meets a dead cluster must not wait: short timeouts, no client retries
# (the outbox retries), and a pause during which the sink fails at once.
TIMEOUT_ESCRITURA = float(os.environ.get("CGII_BUSQUEDA_TIMEOUT_ESCRITURA", "5"))
TIMEOUT_LECTURA = float(os.environ.get("CGII_BUSQUEDA_TIMEOUT_LECTURA", "10"))
PAUSA_CAIDA_SEGUNDOS = float(os.environ.get("CGII_BUSQUEDA_PAUSA_CAIDA", "10"))
LOTE_CONSTRUCCION = 1000
POR_PAGINA_MAXIMO = 100
PAGINA_MAXIMA = 500  # deep paging is for exports, not search pages
VALORES_POR_FACETA = 20
# database backend: a text query ranks, counts and facets at most this many matching
# documents (exact key matches always included). Every match costs a heap row and its
# detoasted tsvector: "malware" matches 83,000 of 11M documents and took 390 ms in all;
# the first 1,000 the GIN bitmap gives take ~20 ms (docs/busqueda.md).
TOPE_CANDIDATOS = int(os.environ.get("CGII_BUSQUEDA_TOPE", "1000"))
# Past the cap, the matches of this many years (this one included) are taken first.
ANIOS_RECIENTES = int(os.environ.get("CGII_BUSQUEDA_ANIOS_RECIENTES", "2"))
# work_mem for the search statement: a bitmap of 500,000 candidates (a phrase of two common
# words) overflows the default 4 MB, its pages turn lossy and each of their rows is
# rechecked (tsvector detoasted) instead of only the candidates.
MEMORIA_CONSULTA = os.environ.get("CGII_BUSQUEDA_WORK_MEM", "64MB")


def refrescar_al_escribir() -> bool:
    """Make every write visible before returning (tests; an installation that prefers
    read-your-writes over indexing throughput)."""
    return bool(getattr(settings, "BUSQUEDA_REFRESCAR", False))
