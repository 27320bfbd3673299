"""Pieces every PISI service shares: history row + audit row + outbox event in one call,
and the role checks."""

from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida
from cgii.eventos import grupos
from cgii.fsm import actor_real, dejar_constancia, es_sistema

from ..models import EntradaPlan, PlanInstitucional
from ..permisos import ENTIDAD, REVISORES, tiene_alguno
from ..states import ESTADOS_EDITABLES, ESTADOS_FINALES, Estado


def exigir_entidad(plan: PlanInstitucional, actor) -> None:
    """Only the entity's RSI or MAE write the plan's content and progress."""
    if not tiene_alguno(plan.entidad_id, actor, ENTIDAD):
        raise PermisoDenegado(_("Solo el RSI o la MAE de la entidad pueden hacer este cambio."))


def exigir_revisor(plan: PlanInstitucional, actor) -> None:
    if not (es_sistema(actor) or tiene_alguno(plan.entidad_id, actor, REVISORES)):
        raise PermisoDenegado(_("Solo un auditor o coordinador del CGII puede hacer este cambio."))


def exigir_editable(plan: PlanInstitucional) -> None:
    if plan.estado not in ESTADOS_EDITABLES:
        raise TransicionInvalida(
            _("El contenido del plan solo se edita en borrador u observado (estado actual: "
              "«%(e)s»).") % {"e": Estado(plan.estado).label}, extra={"estado": plan.estado})


def exigir_en_curso(plan: PlanInstitucional) -> None:
    if plan.estado in ESTADOS_FINALES:
        raise TransicionInvalida(
            _("El plan está «%(e)s»: ya no admite cambios.") % {"e": Estado(plan.estado).label},
            extra={"estado": plan.estado})


def resumen(plan: PlanInstitucional) -> dict:
    """What events carry about a plan (enough to refresh a list row)."""
    return {
        "id": plan.pk,
        "entidad_id": plan.entidad_id,
        "gestion": plan.gestion,
        "version": plan.version,
        "estado": plan.estado,
        "codigo_verificacion": plan.codigo_verificacion,
    }


def grupos_de(plan: PlanInstitucional) -> list[str]:
    return [grupos.GRUPO_PERSONAL_CGII, grupos.grupo_entidad(plan.entidad_id)]


def registrar(
    plan: PlanInstitucional,
    *,
    actor,
    tipo_entrada: str,
    accion: str,
    evento: str,
    texto: str = "",
    datos: dict | None = None,
    antes: dict | None = None,
    despues: dict | None = None,
    objeto=None,
) -> EntradaPlan:
    """One history row, then the audit row and the outbox event (``cgii.fsm``), inside the
    caller's transaction. ``objeto`` is what the audit row points at (the plan by default)."""
    usuario = actor_real(actor)
    entrada = EntradaPlan.objects.create(plan=plan, tipo=tipo_entrada, actor=usuario,
                                         texto=texto, datos=datos or {})
    dejar_constancia(
        actor=actor, accion=f"pisi.{accion}", objeto=objeto or plan, entidad_id=plan.entidad_id,
        antes=antes, despues=despues,
        datos={"plan_id": plan.pk, "historial_id": entrada.pk, **(datos or {})},
        evento=evento,
        datos_evento={"plan": resumen(plan), "texto": texto, "accion": accion,
                      "actor_id": usuario.pk if usuario else None, **(datos or {})},
        grupos=grupos_de(plan),
    )
    return entrada


def texto_limpio(valor, campo: str, *, maximo: int = 20_000, obligatorio: bool = False) -> str:
    if valor is None:
        valor = ""
    if not isinstance(valor, str):
        raise ErrorValidacion(extra={campo: [_("Debe ser texto.")]})
    valor = valor.strip()
    if obligatorio and not valor:
        raise ErrorValidacion(extra={campo: [_("Este campo es obligatorio.")]})
    if len(valor) > maximo:
        raise ErrorValidacion(extra={campo: [_("Máximo %(n)d caracteres.") % {"n": maximo}]})
    return valor
