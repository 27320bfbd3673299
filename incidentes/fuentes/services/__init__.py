"""Every write of the feed intake: storing events (``ingesta``), turning aggregations into
incidents or notices (``consolidacion``), re-routing what had no entity (``reenrutar``)."""

from .ingesta import ResultadoIngesta, eventos_recibir

__all__ = ["ResultadoIngesta", "eventos_recibir"]
