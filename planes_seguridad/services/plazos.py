"""Deadlines of the plan lifecycle, in working days (business calendar with Bolivian
holidays): opened and met by each transition, warned and marked overdue by the periodic
sweep (``barrido``).

The deadline that runs is a function of the plan's state (``states.PLAZO_DE_ESTADO``): each
transition meets the deadlines of the state it leaves and opens the one of the state it enters.
"""

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import selectors
from ..models import EstadoEvidencia, Evidencia, PlanInstitucional, Plazo, TipoEntrada
from ..permisos import SISTEMA
from ..states import PLAZO_DE_ESTADO, RESPONSABLE_PLAZO, TipoPlazo
from .comun import registrar

logger = logging.getLogger(__name__)


def _calendario():
    from protocolos.selectors import calendario

    return calendario("laboral")


def advertir_desde(calendario, *, inicio: date, vence: date, dias_advertencia: int) -> date:
    """First day on which at most ``dias_advertencia`` working days are left."""
    dia = vence
    while dia > inicio:
        previo = dia - timedelta(days=1)
        if calendario.dias_habiles_entre(previo, vence) > dias_advertencia:
            break
        dia = previo
    return dia


def calcular_vencimiento(tipo: str, inicio: date) -> tuple[int, date, date]:
    """(working days, due date, warn-from date) of a deadline of ``tipo`` starting ``inicio``."""
    dias, aviso = selectors.parametros_plazo()[tipo]
    cal = _calendario()
    vence = cal.sumar_dias_habiles(inicio, dias)
    return dias, vence, advertir_desde(cal, inicio=inicio, vence=vence, dias_advertencia=aviso)


def al_transicionar(plan: PlanInstitucional, *, momento) -> list[Plazo]:
    """Inside the transition's transaction: meet the deadlines the new state no longer runs,
    open the new state's deadline. Returns the deadlines opened."""
    tipo_nuevo = PLAZO_DE_ESTADO.get(plan.estado)
    # With Aprobación de Documentos in use, conformity first opens the RSI's deadline to
    # approve the document; the MAE's opens when that approval is recorded.
    if (tipo_nuevo == TipoPlazo.APROBACION_MAE and plan.aprobacion_exigida()
            and plan.aprobacion_documento() is None):
        tipo_nuevo = TipoPlazo.APROBACION_DOCUMENTO
    abiertos = list(plan.plazos.filter(cumplido_en__isnull=True))
    for p in abiertos:
        if p.tipo != tipo_nuevo:
            p.cumplido_en = momento
            p.save(update_fields=["cumplido_en"])
    if tipo_nuevo is None or any(p.tipo == tipo_nuevo for p in abiertos):
        return []
    inicio = timezone.localtime(momento).date()
    dias, vence, aviso = calcular_vencimiento(tipo_nuevo, inicio)
    return [Plazo.objects.create(plan=plan, tipo=tipo_nuevo, responsable=RESPONSABLE_PLAZO[tipo_nuevo],
                                 dias_habiles=dias, inicio=inicio, vence=vence,
                                 advertir_desde=aviso)]


def al_aprobar_documento(plan: PlanInstitucional, *, momento) -> list[Plazo]:
    """Inside the transaction recording an approval: the RSI's deadline is met and the
    MAE's (ten working days, Ciudadanía Digital's procedure) starts from the approval."""
    abiertos = list(plan.plazos.filter(cumplido_en__isnull=True))
    for p in abiertos:
        if p.tipo == TipoPlazo.APROBACION_DOCUMENTO:
            p.cumplido_en = momento
            p.save(update_fields=["cumplido_en"])
    if any(p.tipo == TipoPlazo.APROBACION_MAE for p in abiertos):
        return []
    inicio = timezone.localtime(momento).date()
    dias, vence, aviso = calcular_vencimiento(TipoPlazo.APROBACION_MAE, inicio)
    return [Plazo.objects.create(plan=plan, tipo=TipoPlazo.APROBACION_MAE,
                                 responsable=RESPONSABLE_PLAZO[TipoPlazo.APROBACION_MAE],
                                 dias_habiles=dias, inicio=inicio, vence=vence,
                                 advertir_desde=aviso)]


# ---- the sweep ----------------------------------------------------------------------------

def _marcar(pk: int, *, hoy: date, vencido: bool) -> bool:
    campo = "vencido_en" if vencido else "advertido_en"
    with transaction.atomic():
        plazo = (Plazo.objects.select_for_update(skip_locked=True, of=("self",))
                 .select_related("plan", "plan__entidad")
                 .filter(pk=pk, cumplido_en__isnull=True, **{f"{campo}__isnull": True}).first())
        if plazo is None:  # met meanwhile, or another sweep holds / already did it
            return False
        ahora = timezone.now()
        setattr(plazo, campo, ahora)
        campos = [campo]
        if vencido and plazo.advertido_en is None:
            plazo.advertido_en = ahora
            campos.append("advertido_en")
        plazo.save(update_fields=campos)
        plan = plazo.plan
        figura = selectors.figura_plazo(plazo, hoy=hoy, calendario=_calendario())
        etiqueta = TipoPlazo(plazo.tipo).label
        vence = plazo.vence.strftime("%d/%m/%Y")
        if vencido:
            texto = _("Plazo vencido: %(t)s (venció el %(v)s, %(d)d días hábiles de retraso).") % {
                "t": etiqueta, "v": vence, "d": -figura.dias_restantes}
        else:
            texto = _("Plazo por vencer: %(t)s vence el %(v)s (quedan %(d)d días hábiles).") % {
                "t": etiqueta, "v": vence, "d": figura.dias_restantes}
        datos = {"plazo": {"id": plazo.pk, "tipo": plazo.tipo, "responsable": plazo.responsable,
                           "vence": plazo.vence.isoformat(),
                           "dias_restantes": figura.dias_restantes}}
        registrar(plan, actor=SISTEMA, tipo_entrada=TipoEntrada.PLAZO,
                  accion="plazo_vencido" if vencido else "plazo_advertencia",
                  evento="pisi.plazo_vencido" if vencido else "pisi.plazo_advertencia",
                  texto=texto, datos=datos, objeto=plazo)
        # Who must act hears of it through planes_seguridad.notificaciones (bell, e-mail).
    return True


def plazos_marcar(hoy: date | None = None) -> tuple[int, int]:
    """Warn deadlines entering their last working days, mark overdue ones; each once."""
    hoy = hoy or timezone.localdate()
    por_vencer = list(Plazo.objects.filter(cumplido_en__isnull=True, vencido_en__isnull=True,
                                           vence__lt=hoy).values_list("pk", flat=True))
    por_advertir = list(Plazo.objects.filter(cumplido_en__isnull=True, advertido_en__isnull=True,
                                             advertir_desde__lte=hoy, vence__gte=hoy)
                        .values_list("pk", flat=True))
    advertidos = sum(_marcar(pk, hoy=hoy, vencido=False) for pk in por_advertir)
    vencidos = sum(_marcar(pk, hoy=hoy, vencido=True) for pk in por_vencer)
    return advertidos, vencidos


def evidencias_vencer(hoy: date | None = None) -> int:
    """Approved evidence past its expiry date becomes ``vencida``."""
    hoy = hoy or timezone.localdate()
    ids = list(Evidencia.objects.filter(estado=EstadoEvidencia.APROBADA,
                                        fecha_vencimiento__lt=hoy).values_list("pk", flat=True))
    n = 0
    for pk in ids:
        with transaction.atomic():
            ev = (Evidencia.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("plan").filter(pk=pk, estado=EstadoEvidencia.APROBADA).first())
            if ev is None:
                continue
            ev.estado = EstadoEvidencia.VENCIDA
            ev.save(update_fields=["estado"])
            registrar(ev.plan, actor=SISTEMA, tipo_entrada=TipoEntrada.EVIDENCIA,
                      accion="evidencia_vencida", evento="pisi.actualizado",
                      texto=_("La evidencia «%(t)s» venció el %(f)s.")
                      % {"t": ev.titulo, "f": ev.fecha_vencimiento.strftime("%d/%m/%Y")},
                      datos={"evidencia_id": ev.pk}, antes={"estado": "aprobada"},
                      despues={"estado": "vencida"}, objeto=ev)
            n += 1
    return n
