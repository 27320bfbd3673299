"""The periodic PISI job (declared in ``planes_seguridad/periodicas.py``): deadlines warned
and marked overdue, plans whose validity ended expired, approved evidence past its date
expired. Idempotent: every mark is recorded once, so overlapping runs are harmless.

Its own module because it uses both the plan service (the ``vencer`` transition) and the
deadlines (which every transition opens and meets): neither imports the other's way back.
"""

import logging
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ErrorDominio

from ..models import PlanInstitucional
from ..permisos import SISTEMA
from ..states import ESTADOS_IMPLEMENTACION
from .planes import plan_transicionar
from .plazos import evidencias_vencer, plazos_marcar

logger = logging.getLogger(__name__)


def planes_vencer(hoy: date | None = None) -> int:
    """Plans in force whose validity ended become ``vencido`` (system transition)."""
    hoy = hoy or timezone.localdate()
    ids = PlanInstitucional.objects.filter(estado__in=ESTADOS_IMPLEMENTACION,
                                           vigencia_hasta__lt=hoy).values_list("pk", flat=True)
    n = 0
    for pk in list(ids):
        try:
            plan_transicionar(actor=SISTEMA, plan_id=pk, transicion="vencer", hoy=hoy,
                              comentario=_("Terminó el periodo de vigencia del plan."))
            n += 1
        except ErrorDominio as exc:  # changed meanwhile
            logger.info("vencimiento del plan %s omitido: %s", pk, exc.message)
    return n


def plazos_barrido(hoy: date | None = None) -> dict:
    hoy = hoy or timezone.localdate()
    advertidos, vencidos = plazos_marcar(hoy)
    resultado = {"advertidos": advertidos, "vencidos": vencidos,
                 "planes_vencidos": planes_vencer(hoy), "evidencias_vencidas": evidencias_vencer(hoy)}
    if any(resultado.values()):
        logger.info("PISI: %s", resultado)
    return resultado
