"""The two PISI report types, registered from ``PlanesSeguridadConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from cgii.entidades.selectors import es_personal_cgii, membresias_activas
from cgii.reportes.registro import TipoReporte

from .cumplimiento import figuras_cumplimiento
from .documentos import documento_cumplimiento, documento_nacional
from .formularios import CumplimientoForm, NacionalForm
from .nacional import figuras_nacional, puede_ver_nacional


def puede_ver_cumplimiento(usuario) -> bool:
    """CGII staff and every active member of an entity (the plan itself is checked in
    ``construir``; an entity without a plan sees an empty choice). Decided from the roles and
    memberships already loaded for the request: the navigation asks this on every page."""
    if not getattr(usuario, "is_authenticated", False):
        return False
    return es_personal_cgii(usuario) or bool(membresias_activas(usuario))


def construir_cumplimiento(*, usuario, parametros: dict, progreso=None):
    if progreso is not None:
        progreso(10, str(_("Leyendo la instantánea del periodo")))
    figuras = figuras_cumplimiento(usuario=usuario, plan_id=parametros["plan"],
                                   periodo_id=parametros.get("periodo"))
    documento = documento_cumplimiento(figuras)
    if progreso is not None:
        progreso(100, str(_("Listo")))
    return documento


def construir_nacional(*, usuario, parametros: dict, progreso=None):
    figuras = figuras_nacional(usuario=usuario, gestion=parametros["gestion"], progreso=progreso)
    documento = documento_nacional(figuras)
    if progreso is not None:
        progreso(100, str(_("Listo")))
    return documento


CUMPLIMIENTO = TipoReporte(
    clave="cumplimiento-entidad",
    titulo=_("Cumplimiento del PISI de una entidad"),
    descripcion=_("Gobernanza, implementación por dominio, aplicabilidad, cronograma, "
                  "evidencia, hallazgos, incidentes y tendencia de un plan en un periodo de "
                  "seguimiento cerrado."),
    formulario=CumplimientoForm, puede_ver=puede_ver_cumplimiento,
    construir=construir_cumplimiento, asincrono=False, orden=10)

NACIONAL = TipoReporte(
    clave="nacional",
    titulo=_("Informe nacional de PISI"),
    descripcion=_("Entidades del nivel central con PISI aprobado frente a la meta del 100 %, "
                  "distribución del cumplimiento, mapa de calor por dominio, dominios más "
                  "débiles, seguimientos no presentados y ranking con cobertura de evidencia."),
    formulario=NacionalForm, puede_ver=puede_ver_nacional, construir=construir_nacional,
    asincrono=True, orden=20)
