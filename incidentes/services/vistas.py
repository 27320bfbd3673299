"""Saved views of the console and the incident list (issue 18): a user's own, or team views
that every CGII staff member sees (only coordinators and administrators share or remove
those). They are the user's settings, not incident changes: no timeline row or event."""

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado

from ..models import VistaGuardada

MAX_VISTAS = 30


def _puede_compartir(actor) -> bool:
    return tiene_rol_cgii(actor, "coordinador", "administrador")


def vista_guardar(*, actor, nombre: str, pagina: str, consulta: str,
                  compartida: bool = False) -> VistaGuardada:
    if not es_personal_cgii(actor):
        raise PermisoDenegado()
    nombre = " ".join((nombre or "").split())[:80]
    errores = {}
    if not nombre:
        errores["nombre"] = [_("Escriba un nombre para la vista.")]
    if pagina not in VistaGuardada.Pagina.values:
        errores["pagina"] = [_("Página no válida.")]
    # Keep only real filter parameters (no page number, no stray keys), normalised.
    q = QueryDict(consulta or "", mutable=True)
    for clave in ("page", "csrfmiddlewaretoken", "volver", "ids"):
        q.pop(clave, None)
    consulta = q.urlencode()[:500]
    if errores:
        raise ErrorValidacion(extra=errores)
    if compartida and not _puede_compartir(actor):
        raise PermisoDenegado(_("Solo un coordinador comparte vistas con el equipo."))
    if VistaGuardada.objects.filter(usuario=actor).count() >= MAX_VISTAS:
        raise ErrorValidacion(extra={"nombre": [
            _("Máximo %(n)d vistas propias.") % {"n": MAX_VISTAS}]})
    try:
        with transaction.atomic():
            return VistaGuardada.objects.create(usuario=None if compartida else actor,
                                                nombre=nombre, pagina=pagina,
                                                consulta=consulta)
    except IntegrityError:
        raise ErrorValidacion(extra={"nombre": [_("Ya existe una vista con ese nombre.")]}) \
            from None


def vista_borrar(*, actor, vista_id: int) -> None:
    vista = VistaGuardada.objects.filter(pk=vista_id).first()
    if vista is None or not es_personal_cgii(actor) or (
            vista.usuario_id is not None and vista.usuario_id != actor.pk):
        raise NoEncontrado()
    if vista.usuario_id is None and not _puede_compartir(actor):
        raise PermisoDenegado(_("Solo un coordinador quita vistas del equipo."))
    vista.delete()
