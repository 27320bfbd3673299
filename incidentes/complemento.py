"""Everything the incidents app plugs into core, in one declaration (cgii.complementos).
Periodic jobs: periodicas.py."""

from django.utils.translation import gettext_lazy as _

from cgii import fsm
from cgii.complementos import Cargador, Complemento, EntradaMenu, Sumidero

from . import notificaciones
from .demo import crear_incidentes_demo
from .models import Incidente
from .reportes.panel import PANEL
from .reportes.tipos import GESTION_INCIDENTES
from .services import reparto
from .states import MAQUINA
from .views.comun import puede_reportar


def _al_entregar(evento) -> None:
    from .services.avisos import al_entregar

    al_entregar(evento)


def _buscable() -> None:
    from . import busqueda  # searchable documents, sources and the code normaliser

    busqueda.registrar()


def _relojes_y_diagrama() -> None:
    from protocolos.diagrama import registrar_fsm
    from protocolos.services import registrar_manejador_cruce

    from .services import monitor

    registrar_manejador_cruce("incidente", monitor.al_cruzar)  # SLA crossings → timeline
    # The protocols' diagram draws this FSM (protocolos may not import incidentes).
    registrar_fsm(lambda: fsm.describir(Incidente, MAQUINA))


COMPLEMENTO = Complemento(
    app="incidentes",
    demo=(Cargador("incidentes", crear_incidentes_demo, orden=50),),
    notificaciones=notificaciones.TIPOS,
    sumideros=(Sumidero("incidentes.notificaciones",
                        ("incidente.creado", "incidente.transicion", "incidente.actualizado",
                         "timeline.nuevo", "sla.advertencia", "sla.incumplido"),
                        notificaciones.al_evento),
               # Issue 18: optional round-robin of new incidents per category.
               Sumidero("incidentes.reparto", reparto.TIPOS_EVENTO, reparto.al_evento),
               # Ciudadanía Digital: a notice's delivery starts the legal deadline.
               Sumidero("incidentes.notificacion_entregada",
                        ("ciudadania.notificacion_entregada",), _al_entregar)),
    reportes=(GESTION_INCIDENTES,),   # "gestion-incidentes" (issue 8 §3)
    paneles=(PANEL,),                 # the incidents panel of /tablero/
    # The main navigation (one for every page, cgii.complementos): staff work on the console,
    # entity users on their portal.
    menu=(
        EntradaMenu(_("Consola"), "incidentes:consola", orden=10, para="personal",
                    activa=("incidentes:consola", "inicio")),
        EntradaMenu(_("Mi portal"), "incidentes:portal", orden=10, para="entidad",
                    activa=("incidentes:portal", "inicio")),
        # Every user's tasks (issue 18): staff, assigned to them; entity users, shared ones.
        EntradaMenu(_("Mis tareas"), "incidentes:mis_tareas", orden=15),
        EntradaMenu(_("Incidentes"), "incidentes:lista", orden=20,
                    etiqueta_entidad=_("Incidentes de mi entidad"),
                    activa=("incidentes:lista", "incidentes:detalle", "indicadores:extraer")),
        EntradaMenu(_("Registrar incidente"), "incidentes:reportar", orden=30,
                    etiqueta_entidad=_("Reportar incidente"), permiso=puede_reportar),
        EntradaMenu(_("Indicadores"), "indicadores:lista", orden=40, para="personal",
                    activa=("indicadores:*",)),
    ),
    al_conectar=(_buscable, _relojes_y_diagrama),
)
