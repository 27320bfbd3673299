"""Every read of PISI data, scoped to what the acting user may see (DESIGN.md §3.4).

Nested objects (SoA rows, activities, evidence, periods, findings) are always reached through
``plan_obtener``: another entity's plan is a 404, and so is everything under it.

Callers import this package (``from planes_seguridad import selectors``); the modules split it
by subject only.
"""

from .planes import (  # noqa: F401
    CATALOGOS_POR_DEFECTO,
    Filtros,
    OpcionTransicion,
    avance_soa_por_plan,
    catalogo_obtener,
    catalogo_por_defecto,
    catalogo_vigente,
    catalogos_vigentes,
    cola_revision,
    controles_de,
    correspondencias_de,
    correspondencias_entre,
    historial_de,
    mapeo_entre,
    obtener_uno,
    plan_obtener,
    plan_vigente_de_entidad,
    planes_lista,
    planes_por_estado,
    planes_visibles,
    transiciones_para,
    transiciones_periodo,
)
from .plazos import (  # noqa: F401
    FiguraPlazo,
    figura_plazo,
    parametros_plazo,
    plazos_abiertos_por_plan,
    plazos_de,
)
from .resumen import (  # noqa: F401
    ResumenPlan,
    resumen_plan,
    verificacion_publica,
)
from .revision import (  # noqa: F401
    diferencias_de,
    lista_conformidad,
    observacion_obtener,
    observaciones_de,
    rondas_de,
)
from .riesgos import (  # noqa: F401
    activo_obtener,
    activos_de,
    amenazas_vigentes,
    elementos_vigentes,
    mapa_calor,
    matriz_de,
    matriz_vigente,
    resumen_riesgos,
    riesgo_obtener,
    riesgos_de,
    vulnerabilidades_vigentes,
)
from .seguimiento import (  # noqa: F401
    FiltrosHallazgo,
    _porcentaje,
    hallazgo_obtener,
    hallazgos_de,
    periodo_actual,
    periodo_obtener,
    periodos_de,
    revisiones_de,
    snapshot_de,
    tendencia,
)
from .trabajo import (  # noqa: F401
    FiltrosSoA,
    actividad_obtener,
    actividades_de,
    documento_plan,
    evidencia_obtener,
    evidencias_de,
    soa_de,
    soa_fila_obtener,
    soa_resumen,
)
