"""Periodic jobs: the SLA sweep and the auto-close of resolved incidents.

Both are idempotent (a crossing is recorded once per clock, kind and threshold; an incident
closes once), so beat and the embedded ticker may overlap safely.
"""

import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ErrorDominio
from protocolos import selectors as protocolos
from protocolos.models import Medida, TipoCruce
from protocolos.services import sla_barrer

from .. import sla
from ..models import Incidente, TipoEntrada
from ..permisos import SISTEMA
from ..selectors import cierre_automatico_el
from ..states import Estado, Transicion
from .ciclo import incidente_transicionar
from .comun import registrar

logger = logging.getLogger(__name__)


def al_cruzar(reloj, cruce, figuras) -> None:
    """Inside the sweep's transaction for this clock: timeline + audit + escalation event."""
    incidente = (Incidente.objects.select_for_update(of=("self",)).select_related("entidad")
                 .filter(pk=reloj.objeto_id).first())
    if incidente is None:
        return
    medida = str(Medida(reloj.medida).label).lower()
    if cruce.tipo == TipoCruce.ADVERTENCIA:
        evento = "sla.advertencia"
        texto = _("SLA de %(m)s en advertencia: vence %(v)s.")
    else:
        evento = "sla.incumplido"
        texto = _("SLA de %(m)s incumplido: venció %(v)s.")
    vence = timezone.localtime(figuras.vence).strftime("%d/%m/%Y %H:%M") if figuras.vence else "—"
    relojes = list(protocolos.relojes_de(sla.AMBITO, incidente.pk).values())
    relojes = [reloj if r.pk == reloj.pk else r for r in relojes]
    reloj.estado = figuras.estado.value
    sla.denormalizar(incidente, relojes)
    datos = {"medida": reloj.medida, "tipo": cruce.tipo, "umbral": cruce.umbral.isoformat(),
             "escalado_a": cruce.escalado_a, "cruce_id": cruce.pk}
    registrar(incidente, actor=SISTEMA, tipo_entrada=TipoEntrada.SLA, accion=f"sla.{cruce.tipo}",
              evento=evento, visible_entidad=False, texto=texto % {"m": medida, "v": vence},
              datos=datos)
    # Escalation to the policy's roles: incidentes.notificaciones picks this event up.


def sla_barrido(ahora=None) -> int:
    cruces = sla_barrer(ahora=ahora)
    if cruces:
        logger.info("SLA: %d cruce(s) registrados", len(cruces))
    return len(cruces)


def autocerrar_resueltos(ahora=None) -> int:
    """Close incidents resolved more than N working days ago that the entity neither
    confirmed nor reopened. Those without a closing summary wait for an analyst."""
    ahora = ahora or timezone.now()
    dias = int(protocolos.parametro("autocierre_dias_habiles", 5))
    calendario = protocolos.calendario("laboral")
    hoy = timezone.localtime(ahora).date()
    candidatos = (Incidente.objects.filter(estado=Estado.RESUELTO, resuelto_en__isnull=False)
                  .exclude(Q(resumen_cierre="") | Q(lecciones_aprendidas=""))
                  .values_list("pk", "resuelto_en"))
    cerrados = 0
    for pk, resuelto_en in candidatos:
        if cierre_automatico_el(resuelto_en, dias=dias, calendario=calendario) > hoy:
            continue
        try:
            incidente_transicionar(actor=SISTEMA, incidente_id=pk,
                                   transicion=Transicion.AUTOCERRAR,
                                   comentario=_("Cierre automático: la entidad no respondió en "
                                                "%(n)d días hábiles.") % {"n": dias})
            cerrados += 1
        except ErrorDominio as exc:  # changed meanwhile (reopened, closed by hand)
            logger.info("autocierre de %s omitido: %s", pk, exc.message)
    return cerrados
