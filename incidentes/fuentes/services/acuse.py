"""The entity acknowledges an aggregation (a notice, or the hosts added to an incident):
what the reports measure as "time from the first event to the entity's acknowledgement"."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.entidades.selectors import ids_entidades_de
from cgii.errores import NoEncontrado, PermisoDenegado, TransicionInvalida
from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir

from ..models import Agregacion, Politica


def agregacion_acusar(*, actor, agregacion_id: int) -> Agregacion:
    """Any active member of the entity acknowledges; CGII staff cannot do it for them.
    Another entity's aggregation is a 404."""
    propias = ids_entidades_de(actor)
    with transaction.atomic():
        agregacion = (Agregacion.objects.select_for_update()
                      .filter(pk=agregacion_id, entidad_id__in=propias,
                              politica__in=(Politica.INCIDENTE, Politica.AVISO)).first())
        if agregacion is None:
            if propias:
                raise NoEncontrado()
            raise PermisoDenegado(_("Solo la entidad afectada acusa recibo."))
        if agregacion.consolidado_en is None:
            raise TransicionInvalida(_("La agregación aún no fue notificada."))
        if agregacion.acusado_en is not None:
            raise TransicionInvalida(_("Ya se acusó recibo de estos eventos."))
        agregacion.acusado_en, agregacion.acusado_por = timezone.now(), actor
        agregacion.save(update_fields=["acusado_en", "acusado_por"])
        auditoria_registrar(actor=actor, accion="fuentes.acusar", objeto=agregacion,
                            despues={"acusado_en": agregacion.acusado_en})
        evento_emitir(tipo="fuentes.acusado",
                      datos={"agregacion": {"id": agregacion.pk,
                                            "entidad_id": agregacion.entidad_id,
                                            "incidente_id": agregacion.incidente_id}},
                      grupos=[grupos.GRUPO_PERSONAL_CGII,
                              grupos.grupo_entidad(agregacion.entidad_id)],
                      entidad_id=agregacion.entidad_id)
    return agregacion
