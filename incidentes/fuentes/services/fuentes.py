"""Staff set a feed's policy (the admin goes through here: audited)."""

from django.db import transaction

from cgii.auditoria.services import auditoria_registrar
from cgii.entidades.selectors import tiene_rol_cgii
from cgii.errores import ErrorValidacion, PermisoDenegado

from ..models import AlCerrado, Fuente, Politica, TLPFuente

CAMPOS = ("politica", "al_cerrado", "tlp", "descripcion")


def fuente_configurar(*, actor, fuente_id: int, politica: str, al_cerrado: str, tlp: str,
                      descripcion: str = "") -> Fuente:
    if not tiene_rol_cgii(actor, "coordinador", "administrador"):
        raise PermisoDenegado()
    errores = {}
    if politica not in Politica.values:
        errores["politica"] = ["Política no válida."]
    if al_cerrado not in AlCerrado.values:
        errores["al_cerrado"] = ["Opción no válida."]
    if tlp not in TLPFuente.values:
        errores["tlp"] = ["TLP no válido."]
    if errores:
        raise ErrorValidacion(extra=errores)
    with transaction.atomic():
        fuente = Fuente.objects.select_for_update().get(pk=fuente_id)
        antes = {c: getattr(fuente, c) for c in CAMPOS}
        fuente.politica, fuente.al_cerrado, fuente.tlp = politica, al_cerrado, tlp
        fuente.descripcion = descripcion
        fuente.save(update_fields=list(CAMPOS))
        auditoria_registrar(actor=actor, accion="fuentes.configurar", objeto=fuente,
                            antes=antes, despues={c: getattr(fuente, c) for c in CAMPOS})
    return fuente
