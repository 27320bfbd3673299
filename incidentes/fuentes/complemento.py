"""Everything the feed intake plugs into core (cgii.complementos). Periodic jobs:
periodicas.py."""

from django.utils.translation import gettext_lazy as _

from cgii.complementos import Complemento, EntradaMenu, Sumidero

from . import notificaciones
from .reportes import FUENTES_EXTERNAS

COMPLEMENTO = Complemento(
    app="fuentes",
    notificaciones=notificaciones.TIPOS,
    sumideros=(Sumidero("fuentes.notificaciones", ("fuentes.notificar",),
                        notificaciones.al_evento),),
    reportes=(FUENTES_EXTERNAS,),
    # After the daily work (incidents, indicators); an entity reads them as its notices and
    # its registered networks.
    menu=(EntradaMenu(_("Fuentes"), "fuentes:inicio", orden=45,
                      etiqueta_entidad=_("Avisos externos")),
          EntradaMenu(_("Constituencia"), "constituencia:inicio", orden=46,
                      etiqueta_entidad=_("Redes y dominios"))),
)
