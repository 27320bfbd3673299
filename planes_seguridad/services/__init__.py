"""Every write on PISI data. Each public service follows the recipe of DESIGN.md §3.2:
atomic → select_for_update → permission → change → save → one history row + one audit row →
outbox events in the same transaction."""

from .aprobacion import (
    aprobacion_consultar,
    aprobacion_enviar,
    aprobacion_registrar_resultado,
    aprobacion_reintentar,
    aprobacion_solicitar,
    aprobaciones_consultar_pendientes,
)
from .barrido import planes_vencer, plazos_barrido
from .importacion import plan_importar_xlsx
from .incidentes import hallazgos_de_incidente
from .planes import (
    generar_codigo_verificacion,
    plan_actualizar,
    plan_crear,
    plan_documento_subir,
    plan_migrar_catalogo,
    plan_nueva_version,
    plan_transicionar,
)
from .plazos import evidencias_vencer, plazos_marcar
from .revision import observacion_atender, observacion_registrar, observacion_responder
from .riesgos import (
    activo_actualizar,
    activo_crear,
    activo_eliminar,
    riesgo_actualizar,
    riesgo_crear,
    riesgo_eliminar,
    riesgos_aceptar,
)
from .seguimiento import (
    avance_reportar,
    control_revisar,
    controles_revisar,
    hallazgo_actualizar,
    hallazgo_cerrar,
    hallazgo_registrar,
    periodo_abrir,
    periodo_transicionar,
)
from .soa import (
    actividad_actualizar,
    actividad_crear,
    actividad_eliminar,
    evidencia_cambiar_estado,
    evidencia_eliminar,
    evidencia_enlazar,
    evidencia_subir,
    soa_actualizar,
    soa_actualizar_lote,
)

__all__ = [
    "aprobacion_consultar", "aprobacion_enviar", "aprobacion_reintentar",
    "aprobacion_registrar_resultado", "aprobacion_solicitar", "aprobaciones_consultar_pendientes",
    "actividad_actualizar", "actividad_crear", "actividad_eliminar", "activo_actualizar",
    "activo_crear", "activo_eliminar", "riesgo_actualizar", "riesgo_crear", "riesgo_eliminar",
    "riesgos_aceptar", "observacion_atender", "observacion_registrar", "observacion_responder",
    "avance_reportar", "plan_importar_xlsx",
    "control_revisar", "controles_revisar", "evidencia_cambiar_estado", "evidencia_eliminar",
    "evidencia_enlazar", "evidencia_subir", "evidencias_vencer", "generar_codigo_verificacion",
    "hallazgo_actualizar", "hallazgo_cerrar", "hallazgo_registrar", "hallazgos_de_incidente",
    "periodo_abrir", "periodo_transicionar", "plan_actualizar", "plan_crear",
    "plan_documento_subir", "plan_migrar_catalogo", "plan_nueva_version", "plan_transicionar",
    "planes_vencer", "plazos_barrido", "plazos_marcar", "soa_actualizar", "soa_actualizar_lote",
]
