"""The "gestion-incidentes" report type, registered from ``IncidentesConfig.ready()``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.selectors import membresias_activas, roles_cgii
from cgii.reportes.registro import TipoReporte

from .documento import CLAVE, documento_gestion
from .figuras import figuras_gestion
from .forms import GestionIncidentesForm


def puede_ver(usuario) -> bool:
    """CGII staff (any role) or an active member of an active entity (who sees only their
    entity's incidents: ``figuras_gestion`` scopes through ``incidentes_visibles``)."""
    if not getattr(usuario, "is_authenticated", False):
        return False
    return bool(roles_cgii(usuario)) or bool(membresias_activas(usuario))


def parametros_visibles(*, usuario, parametros: dict) -> list[tuple[str, str]]:
    desde, hasta = parametros["desde"], parametros["hasta"]
    salida = [(_("Desde"), desde.strftime("%d/%m/%Y")), (_("Hasta"), hasta.strftime("%d/%m/%Y"))]
    entidad_id = parametros.get("entidad")
    if entidad_id is not None:
        from cgii.entidades.selectors import entidades_visibles

        sigla = entidades_visibles(usuario).filter(pk=entidad_id).values_list(
            "sigla", flat=True).first()
        salida.append((_("Entidad"), sigla or "—"))
    elif not roles_cgii(usuario):
        siglas = sorted({m.entidad.sigla for m in membresias_activas(usuario)})
        salida.append((_("Entidad"), ", ".join(siglas)))
    else:
        salida.append((_("Entidad"), _("Todas")))
    return salida


def construir(*, usuario, parametros: dict, progreso=None):
    if progreso is not None:
        progreso(10, str(_("Calculando las cifras")))
    figuras = figuras_gestion(usuario=usuario, desde=parametros["desde"],
                              hasta=parametros["hasta"],
                              entidad_id=parametros.get("entidad"))
    documento = documento_gestion(
        figuras, parametros=parametros_visibles(usuario=usuario, parametros=parametros))
    if progreso is not None:
        progreso(100, str(_("Listo")))
    return documento


GESTION_INCIDENTES = TipoReporte(
    clave=CLAVE,
    titulo=gettext_lazy("Gestión de incidentes y vulnerabilidades"),
    descripcion=gettext_lazy(
        "Incidentes y reportes de vulnerabilidad recibidos, resueltos y abiertos; por "
        "categoría, prioridad, nivel y entidad; cumplimiento de SLA (meta 100 %), MTTA y "
        "MTTR en horas corridas y hábiles, incumplimientos, antigüedad de los abiertos y "
        "tendencia mensual."),
    formulario=GestionIncidentesForm, puede_ver=puede_ver, construir=construir,
    # A year of incidents is a ~5 s PDF: generated in the background with a progress bar
    # rather than holding the request (the page itself still renders in the request).
    asincrono=True, orden=30)
