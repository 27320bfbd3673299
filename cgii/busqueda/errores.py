from django.utils.translation import gettext_lazy as _

from cgii.errores import ErrorDominio


class BusquedaNoDisponible(ErrorDominio):
    """The search backend cannot answer now (cluster down). Writes are never affected."""

    status = 503
    mensaje_por_defecto = _("La búsqueda no está disponible en este momento. Intente más tarde.")
