"""What mail intake plugs into core, in one declaration (cgii.complementos): the sink that
sends acknowledgements and refusals, the reply address and threading headers of the
notification e-mails, the mailbox on /salud/. Periodic job: periodicas.py."""

from django.utils.translation import gettext_lazy as _

from cgii.complementos import Complemento, EntradaMenu, Sumidero

from . import buzon, enviar
from .services import EVENTO_RESPUESTA


def _cabeceras() -> None:
    from cgii.correo import registrar_cabeceras

    registrar_cabeceras(enviar.cabeceras_notificacion)


COMPLEMENTO = Complemento(
    app="correo",
    sumideros=(Sumidero("correo.respuestas", (EVENTO_RESPUESTA,), enviar.al_evento),),
    salud=(("correo", buzon.salud),),
    al_conectar=(_cabeceras,),
    menu=(EntradaMenu(_("Correo sin entidad"), "correo:triaje", orden=47, para="personal",
                      activa=("correo:*",)),),
)
