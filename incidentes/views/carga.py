"""Each assignable analyst's workload for the assign menus (issue 18), in one query."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from ..services.comun import ROLES_GESTION
from ..states import ESTADOS_ABIERTOS


def analistas_con_carga() -> list:
    """Active staff who may work incidents, each with ``abiertos`` (open incidents assigned)
    and ``urgentes`` (of them P1/P2), and ``disponible`` (below the open load a person can
    carry, ``CGII_CARGA_MAXIMA_ANALISTA``, 12 by default: there is no presence data yet). One aggregate query, however many analysts."""
    abiertos = Q(incidentes_asignados__estado__in=ESTADOS_ABIERTOS)
    analistas = list(
        get_user_model().objects.filter(is_active=True, groups__name__in=ROLES_GESTION)
        .annotate(abiertos=Count("incidentes_asignados", filter=abiertos, distinct=True),
                  urgentes=Count("incidentes_asignados", distinct=True, filter=abiertos & Q(
                      incidentes_asignados__prioridad__in=("P1", "P2"))))
        .order_by("first_name", "last_name", "username").distinct())
    capacidad = getattr(settings, "CGII_CARGA_MAXIMA_ANALISTA", 12)
    for u in analistas:
        u.nombre = u.get_full_name() or u.username
        u.disponible = u.abiertos < capacidad
    return analistas
