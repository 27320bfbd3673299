"""Every write of the feed intake: storing events (``ingesta``), turning aggregations into
incidents or notices (``consolidacion``), the entity's acknowledgement (``acuse``) and
re-routing what had no entity (``reenrutar``)."""

from .acuse import agregacion_acusar
from .consolidacion import agregacion_consolidar, consolidar_pendientes
from .ingesta import ResultadoIngesta, eventos_recibir
from .reenrutar import sin_entidad_reenrutar

__all__ = ["ResultadoIngesta", "agregacion_acusar", "agregacion_consolidar",
           "consolidar_pendientes", "eventos_recibir", "sin_entidad_reenrutar"]
