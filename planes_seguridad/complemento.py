"""Everything the PISI app plugs into core, in one declaration (cgii.complementos).
Periodic jobs: periodicas.py."""

from django.utils.translation import gettext_lazy as _

from cgii.complementos import Cargador, Complemento, EntradaMenu, Sumidero

from . import cargador, demo, notificaciones, pdf
from .reportes.panel import PANEL
from .reportes.tipos import CUMPLIMIENTO, NACIONAL
from .services import incidentes


def _al_entregar(evento) -> None:
    from .services.avisos import al_entregar

    al_entregar(evento)


def _buscable() -> None:
    from . import busqueda  # searchable documents and sources

    busqueda.registrar()


COMPLEMENTO = Complemento(
    app="planes_seguridad",
    # After the protocols (10): PISI deadlines use their business calendar.
    catalogos=(Cargador("planes_seguridad", cargador.cargar_todo, orden=200),),
    demo=(Cargador("planes_seguridad", demo.cargar_demo, orden=60),),
    notificaciones=notificaciones.TIPOS,
    sumideros=(
        # Incidents closed with failed controls become findings (docs/pisi.md).
        Sumidero(incidentes.NOMBRE_MANEJADOR, incidentes.TIPOS, incidentes.hallazgos_de_incidente),
        # The summary PDF when a plan reaches conforme.
        Sumidero(pdf.NOMBRE_MANEJADOR, pdf.TIPOS, pdf.resumen_al_conformar),
        # The bell and e-mail of whoever must act on a plan.
        Sumidero(notificaciones.NOMBRE_MANEJADOR, notificaciones.EVENTOS,
                 notificaciones.al_evento),
        # Ciudadanía Digital: a notice's delivery starts its legal deadline.
        Sumidero("pisi.notificacion_entregada", ("ciudadania.notificacion_entregada",),
                 _al_entregar),
    ),
    reportes=(CUMPLIMIENTO, NACIONAL),   # issue 8: entity compliance and national
    paneles=(PANEL,),                    # the PISI panel of /tablero/
    menu=(
        EntradaMenu(_("PISI"), "pisi:lista", orden=50, etiqueta_entidad=_("Mi PISI"),
                    activa=("pisi:*", "pisi_verificar", "pisi_verificar_inicio")),
        EntradaMenu(_("Revisión PISI"), "pisi:cola", orden=60, para="personal",
                    activa=("pisi:cola", "pisi:revision")),
    ),
    al_conectar=(_buscable,),
)
