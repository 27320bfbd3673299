"""PISI lifecycle: states, transitions, and the pure conditions with their Spanish reasons.

Conditions read the instance (and counts the service pre-loads on it) and never write; a
refused transition answers 409 with the reasons of the conditions that failed.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cgii.fsm import Maquina


class Estado(models.TextChoices):
    BORRADOR = "borrador", _("Borrador")
    PRESENTADO = "presentado", _("Presentado")
    EN_REVISION = "en_revision", _("En revisión")
    OBSERVADO = "observado", _("Observado")
    CONFORME = "conforme", _("Conforme")
    APROBADO = "aprobado", _("Aprobado")
    VIGENTE = "vigente", _("Vigente")
    EN_ACTUALIZACION = "en_actualizacion", _("En actualización")
    REEMPLAZADO = "reemplazado", _("Reemplazado")
    VENCIDO = "vencido", _("Vencido")


class Transicion(models.TextChoices):
    PRESENTAR = "presentar", _("Presentar al CGII")
    INICIAR_REVISION = "iniciar_revision", _("Iniciar revisión")
    OBSERVAR = "observar", _("Observar")
    DAR_CONFORMIDAD = "dar_conformidad", _("Dar conformidad")
    REGISTRAR_RESOLUCION = "registrar_resolucion", _("Registrar resolución de la MAE")
    PONER_EN_VIGENCIA = "poner_en_vigencia", _("Registrar y poner en vigencia")
    INICIAR_ACTUALIZACION = "iniciar_actualizacion", _("Iniciar actualización")
    CANCELAR_ACTUALIZACION = "cancelar_actualizacion", _("Cancelar actualización")
    REEMPLAZAR = "reemplazar", _("Reemplazar por la nueva versión")
    VENCER = "vencer", _("Marcar vencido")


# Fields a transition may receive with it (its conditions read them); the UI shows a form.
CAMPOS_TRANSICION = {
    Transicion.OBSERVAR: ("observaciones",),
    Transicion.REGISTRAR_RESOLUCION: ("resolucion_cite", "resolucion_fecha",
                                      "resolucion_codigo_aprobacion"),
    Transicion.PONER_EN_VIGENCIA: ("vigencia_desde", "vigencia_hasta"),
}

# The content of the plan (scope, committee, SoA applicability…) is edited only here.
ESTADOS_EDITABLES = (Estado.BORRADOR, Estado.OBSERVADO)
# Implementation progress (SoA status, schedule, evidence) is recorded in any live state.
ESTADOS_FINALES = (Estado.REEMPLAZADO, Estado.VENCIDO)
ESTADOS_EN_CURSO = tuple(e for e in Estado if e not in ESTADOS_FINALES)
ESTADOS_IMPLEMENTACION = (Estado.VIGENTE, Estado.EN_ACTUALIZACION)
# Transitions only the system fires (the successor became vigente; the validity ended).
TRANSICIONES_SISTEMA = (Transicion.REEMPLAZAR, Transicion.VENCER)


class TipoPlazo(models.TextChoices):
    REVISION_CGII = "revision_cgii", _("Revisión del CGII")
    AJUSTE_ENTIDAD = "ajuste_entidad", _("Ajuste de la entidad a las observaciones")
    APROBACION_DOCUMENTO = "aprobacion_documento", _(
        "Aprobación de Documentos (Ciudadanía Digital) por el RSI")
    APROBACION_MAE = "aprobacion_mae", _("Aprobación por la MAE")
    REGISTRO = "registro", _("Registro del plan aprobado")


# Default deadlines in working days (the ParametroPlazo rows override them).
PLAZOS_POR_DEFECTO = {
    TipoPlazo.REVISION_CGII: 30,
    TipoPlazo.AJUSTE_ENTIDAD: 15,
    TipoPlazo.APROBACION_DOCUMENTO: 10,
    TipoPlazo.APROBACION_MAE: 10,
    TipoPlazo.REGISTRO: 10,
}
DIAS_ADVERTENCIA_POR_DEFECTO = 3
# Who must act before each deadline.
RESPONSABLE_PLAZO = {
    TipoPlazo.REVISION_CGII: "cgii",
    TipoPlazo.AJUSTE_ENTIDAD: "entidad",
    TipoPlazo.APROBACION_DOCUMENTO: "entidad",
    TipoPlazo.APROBACION_MAE: "entidad",
    TipoPlazo.REGISTRO: "cgii",
}
# The deadline that runs while the plan is in each state (presentado and en_revision share
# the CGII review deadline, which runs from submission).
PLAZO_DE_ESTADO = {
    Estado.PRESENTADO: TipoPlazo.REVISION_CGII,
    Estado.EN_REVISION: TipoPlazo.REVISION_CGII,
    Estado.OBSERVADO: TipoPlazo.AJUSTE_ENTIDAD,
    Estado.CONFORME: TipoPlazo.APROBACION_MAE,
    Estado.APROBADO: TipoPlazo.REGISTRO,
}


class EstadoPeriodo(models.TextChoices):
    ABIERTO = "abierto", _("Abierto")
    EN_REVISION = "en_revision", _("En revisión")
    CERRADO = "cerrado", _("Cerrado")


class TransicionPeriodo(models.TextChoices):
    PRESENTAR = "presentar", _("Presentar avance para revisión")
    DEVOLVER = "devolver", _("Devolver a la entidad")
    CERRAR = "cerrar", _("Cerrar y congelar")


# ---- plan conditions (pure) -----------------------------------------------------------

def tiene_alcance(plan) -> bool:
    return bool(plan.alcance.strip())


tiene_alcance.motivo = _("Falta el alcance del plan.")


def tiene_rsi(plan) -> bool:
    return plan.rsi_id is not None


tiene_rsi.motivo = _("Falta designar al Responsable de Seguridad de la Información (RSI).")


def tiene_comite(plan) -> bool:
    return bool(plan.comite)


tiene_comite.motivo = _("Falta registrar a los miembros del Comité de Seguridad de la Información.")


def tiene_politica(plan) -> bool:
    return bool(plan.politica_ruta) and plan.politica_aprobada_en is not None


tiene_politica.motivo = _("Falta la política de seguridad de la información (documento y fecha "
                          "de aprobación).")


def soa_completa(plan) -> bool:
    return plan.soa_pendientes() == 0


soa_completa.motivo = _("La declaración de aplicabilidad está incompleta: cada control debe "
                        "indicar si aplica y la justificación de su inclusión o exclusión "
                        "(ISO/IEC 27001 6.1.3 d).")


def minimos_aplicables(plan) -> bool:
    return not plan.minimos_no_aplicables()


minimos_aplicables.motivo = _("Los controles mínimos del lineamiento nacional (§6.2.3.2) deben "
                              "declararse aplicables.")


def tiene_observaciones(plan) -> bool:
    return bool(plan.observaciones.strip()) or plan.observaciones_en_ronda() > 0


tiene_observaciones.motivo = _("Para observar el plan debe escribir las observaciones.")


# ---- the conformity checklist (issue 23): each condition also says what it checks --------

soa_completa.etiqueta = _("Declaración de aplicabilidad completa, cada línea justificada")
minimos_aplicables.etiqueta = _("Controles mínimos del lineamiento nacional aplicables")


def observaciones_respondidas(plan) -> bool:
    return not plan.observaciones_sin_responder()


observaciones_respondidas.etiqueta = _("Cada observación del CGII tiene su respuesta")
observaciones_respondidas.motivo = _("Hay observaciones del CGII sin responder:")
observaciones_respondidas.detalle = lambda plan: "; ".join(plan.observaciones_sin_responder())


def tiene_cronograma(plan) -> bool:
    return plan.n_actividades() > 0


tiene_cronograma.etiqueta = _("Cronograma de implementación presente")
tiene_cronograma.motivo = _("Falta el cronograma de implementación (al menos una actividad).")


def evaluacion_riesgos_completa(plan) -> bool:
    return not plan.riesgos_faltantes()


evaluacion_riesgos_completa.etiqueta = _("Evaluación de riesgos completa")
evaluacion_riesgos_completa.motivo = _("La evaluación de riesgos está incompleta:")
evaluacion_riesgos_completa.detalle = lambda plan: " ".join(plan.riesgos_faltantes())


def rsi_con_rol(plan) -> bool:
    """Checklist: an RSI is designated, holds the RSI role and is not the MAE."""
    return plan.rsi_id is not None and plan.rsi_valido()


rsi_con_rol.etiqueta = _("El RSI tiene el rol de RSI y no es la MAE")
rsi_con_rol.motivo = _("El RSI designado debe tener el rol de RSI en la entidad y no puede ser "
                       "su Máxima Autoridad Ejecutiva (MAE).")


def rsi_designado_con_rol(plan) -> bool:
    """Submission: the same rule once an RSI is designated (``tiene_rsi`` reports none)."""
    return plan.rsi_id is None or plan.rsi_valido()


rsi_designado_con_rol.motivo = rsi_con_rol.motivo


def tiene_resolucion(plan) -> bool:
    return (bool(plan.resolucion_cite.strip()) and plan.resolucion_fecha is not None
            and bool(plan.resolucion_ruta))


tiene_resolucion.motivo = _("Faltan datos de la resolución de la MAE: número de CITE, fecha y "
                            "documento.")


def resolucion_posterior_a_conformidad(plan) -> bool:
    if plan.resolucion_fecha is None or plan.conforme_en is None:
        return True  # tiene_resolucion reports the missing date
    return plan.resolucion_fecha >= timezone.localtime(plan.conforme_en).date()


resolucion_posterior_a_conformidad.motivo = _(
    "La resolución de la MAE no puede ser anterior a la conformidad del CGII (debe citar su "
    "código de verificación).")


def documento_aprobado(plan) -> bool:
    """When Aprobación de Documentos is in use, the RSI approved the conformity document
    through it before the MAE resolves (Ciudadanía Digital's procedure for institutional
    plans)."""
    return not plan.aprobacion_exigida() or plan.aprobacion_documento() is not None


documento_aprobado.motivo = _(
    "Falta la Aprobación de Documentos del resumen de conformidad por el RSI en Ciudadanía "
    "Digital.")


def resolucion_cita_aprobacion(plan) -> bool:
    """The resolution cites the identifier code Aprobación de Documentos returned."""
    aprobacion = plan.aprobacion_documento() if plan.aprobacion_exigida() else None
    if aprobacion is None:
        return True  # documento_aprobado reports it
    return plan.resolucion_codigo_aprobacion.strip().upper() == aprobacion.codigo.upper()


resolucion_cita_aprobacion.motivo = _(
    "La resolución de la MAE debe citar el código de la Aprobación de Documentos del "
    "resumen de conformidad.")


def tiene_vigencia(plan) -> bool:
    return (plan.vigencia_desde is not None and plan.vigencia_hasta is not None
            and plan.vigencia_hasta > plan.vigencia_desde)


tiene_vigencia.motivo = _("Indique el periodo de vigencia del plan (desde y hasta).")


def vigencia_terminada(plan) -> bool:
    hoy = getattr(plan, "_hoy", None) or timezone.localdate()
    return plan.vigencia_hasta is not None and plan.vigencia_hasta < hoy


vigencia_terminada.motivo = _("El periodo de vigencia del plan aún no terminó.")


def sin_version_en_curso(plan) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        siguiente = plan.siguiente
    except ObjectDoesNotExist:
        return True
    return siguiente.estado in ESTADOS_FINALES


sin_version_en_curso.motivo = _("Hay una nueva versión del plan en curso; no se puede cancelar "
                                "la actualización.")


# ---- period conditions (pure) ---------------------------------------------------------

def revision_completa(periodo) -> bool:
    return periodo.controles_sin_revisar() == 0


revision_completa.motivo = _("Faltan controles aplicables por revisar en este periodo.")


# ---- the two machines, as the shared mechanism (cgii.fsm) reads them ----------------------

MAQUINA_PLAN = Maquina(
    transiciones=Transicion, estados=Estado, sujeto=_("un plan"),
    sin_permiso=_("Su rol no puede «%(t)s» este plan."),
    solo_sistema=frozenset(TRANSICIONES_SISTEMA), campos=CAMPOS_TRANSICION,
)
MAQUINA_PERIODO = Maquina(
    transiciones=TransicionPeriodo, estados=EstadoPeriodo, sujeto=_("un periodo"),
    sin_permiso=_("Su rol no puede «%(t)s» este periodo."),
)
