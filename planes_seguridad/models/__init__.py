"""ORM only. Writes go through ``services``; reads through ``selectors``."""

from .aprobacion import ESTADOS_ACTIVOS, AprobacionDocumento, EstadoAprobacion
from .catalogo import (
    CatalogoControles,
    Control,
    Correspondencia,
    Dominio,
    MapeoControles,
    Objetivo,
)
from .plan import (
    Actividad,
    Aplicabilidad,
    EntradaPlan,
    EstadoEvidencia,
    EstadoImplementacion,
    Evidencia,
    ParametroPlazo,
    PlanInstitucional,
    Plazo,
    TipoEntrada,
    TipoEvidencia,
)
from .revision import EstadoObservacion, Observacion, RondaRevision, SeccionPlan
from .riesgos import (
    ActivoInformacion,
    CatalogoRiesgo,
    Clasificacion,
    ElementoRiesgo,
    EscenarioRiesgo,
    MatrizRiesgo,
    TipoActivo,
    TipoCatalogoRiesgo,
    Tratamiento,
)
from .seguimiento import (
    PUNTAJE,
    EstadoHallazgo,
    Grado,
    Hallazgo,
    OrigenHallazgo,
    PeriodoSeguimiento,
    Resultado,
    RevisionControl,
    SnapshotControl,
    SnapshotInmutable,
    SnapshotPeriodo,
)

__all__ = [
    "ESTADOS_ACTIVOS", "AprobacionDocumento", "EstadoAprobacion",
    "PUNTAJE", "Actividad", "ActivoInformacion", "Aplicabilidad", "CatalogoControles",
    "CatalogoRiesgo", "Clasificacion", "Control", "Correspondencia", "ElementoRiesgo",
    "EscenarioRiesgo", "EstadoObservacion", "MatrizRiesgo", "Observacion", "RondaRevision",
    "SeccionPlan", "TipoActivo", "TipoCatalogoRiesgo", "Tratamiento",
    "Dominio", "EntradaPlan", "EstadoEvidencia", "EstadoHallazgo", "EstadoImplementacion",
    "Evidencia", "Grado", "Hallazgo", "MapeoControles", "Objetivo", "OrigenHallazgo",
    "ParametroPlazo", "PeriodoSeguimiento", "PlanInstitucional", "Plazo", "Resultado",
    "RevisionControl", "SnapshotControl", "SnapshotInmutable", "SnapshotPeriodo", "TipoEntrada",
    "TipoEvidencia",
]
