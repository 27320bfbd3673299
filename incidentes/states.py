"""Incident states, transitions and their pure conditions (DESIGN.md §4).

Conditions read the instance (and its already-loaded tasks) and never write. Each one has a
Spanish reason so that a refused transition answers 409 saying exactly what is missing.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cgii.fsm import Maquina


class Estado(models.TextChoices):
    REPORTADO = "reportado", _("Reportado")
    EN_TRIAJE = "en_triaje", _("En triaje")
    EN_ANALISIS = "en_analisis", _("En análisis")
    EN_CONTENCION = "en_contencion", _("En contención")
    EN_ERRADICACION = "en_erradicacion", _("En erradicación")
    EN_RECUPERACION = "en_recuperacion", _("En recuperación")
    EN_ESPERA_ENTIDAD = "en_espera_entidad", _("En espera de la entidad")
    RESUELTO = "resuelto", _("Resuelto")
    CERRADO = "cerrado", _("Cerrado")
    RECHAZADO = "rechazado", _("Rechazado")
    DUPLICADO = "duplicado", _("Duplicado")


# Working phases: the ones a "request information" pause can interrupt and return to.
ESTADOS_DE_TRABAJO = (
    Estado.EN_TRIAJE, Estado.EN_ANALISIS, Estado.EN_CONTENCION,
    Estado.EN_ERRADICACION, Estado.EN_RECUPERACION,
)
ESTADOS_ABIERTOS = (Estado.REPORTADO, *ESTADOS_DE_TRABAJO, Estado.EN_ESPERA_ENTIDAD)
ESTADOS_FINALES = (Estado.RESUELTO, Estado.CERRADO, Estado.RECHAZADO, Estado.DUPLICADO)

# Protocol phase codes for each working state (protocol steps are grouped by phase).
FASE_DE_ESTADO = {
    Estado.EN_TRIAJE: "triaje",
    Estado.EN_ANALISIS: "analisis",
    Estado.EN_CONTENCION: "contencion",
    Estado.EN_ERRADICACION: "erradicacion",
    Estado.EN_RECUPERACION: "recuperacion",
    Estado.RESUELTO: "cierre",
}


class Transicion(models.TextChoices):
    INICIAR_TRIAJE = "iniciar_triaje", _("Iniciar triaje")
    INICIAR_ANALISIS = "iniciar_analisis", _("Pasar a análisis")
    CONTENER = "contener", _("Pasar a contención")
    ERRADICAR = "erradicar", _("Pasar a erradicación")
    RECUPERAR = "recuperar", _("Pasar a recuperación")
    RESOLVER = "resolver", _("Marcar resuelto")
    CERRAR = "cerrar", _("Cerrar")
    AUTOCERRAR = "autocerrar", _("Cierre automático")
    RECHAZAR = "rechazar", _("Rechazar")
    MARCAR_DUPLICADO = "marcar_duplicado", _("Marcar duplicado")
    DESMARCAR_DUPLICADO = "desmarcar_duplicado", _("Quitar marca de duplicado")
    SOLICITAR_INFORMACION = "solicitar_informacion", _("Solicitar información a la entidad")
    RESPONDER_ENTIDAD = "responder_entidad", _("Responder a la solicitud")
    REABRIR = "reabrir", _("Reabrir")
    OBJETAR_RESOLUCION = "objetar_resolucion", _("No está resuelto")
    REABRIR_POR_FUENTE = "reabrir_por_fuente", _("Reabrir por nuevos eventos de la fuente")


# ---- conditions (pure: read the instance, never write) --------------------------------

def esta_clasificado(incidente) -> bool:
    return incidente.tipo_id is not None and incidente.prioridad != ""


esta_clasificado.motivo = _("El incidente debe estar clasificado (tipo y prioridad) antes de salir del triaje.")


def fase_actual_completa(incidente) -> bool:
    return not incidente.pasos_obligatorios_pendientes()


fase_actual_completa.motivo = _("Faltan pasos obligatorios del protocolo en la fase actual.")


FASES_DE_TRABAJO = {"triaje", "analisis", "contencion", "erradicacion", "recuperacion"}


def trabajo_completo(incidente) -> bool:
    return not incidente.pasos_obligatorios_pendientes(FASES_DE_TRABAJO)


trabajo_completo.motivo = _("Faltan pasos obligatorios del protocolo de fases anteriores al cierre.")


def tiene_cierre(incidente) -> bool:
    return bool(incidente.resumen_cierre.strip()) and bool(incidente.lecciones_aprendidas.strip())


tiene_cierre.motivo = _("Escriba el resumen de cierre y las lecciones aprendidas.")


def tiene_maestro(incidente) -> bool:
    return incidente.maestro_id is not None and incidente.maestro_id != incidente.pk


tiene_maestro.motivo = _("Debe indicar el incidente maestro del que este es duplicado.")


def no_fusionado(incidente) -> bool:
    return incidente.fusionado_en is None


no_fusionado.motivo = _("El incidente ya fue fusionado en su maestro: sus mensajes, evidencias e "
                        "indicadores están ahora allí, así que la marca de duplicado no se puede "
                        "quitar. Reabra o trabaje el incidente maestro.")


def tiene_motivo(incidente) -> bool:
    return bool(incidente.motivo_rechazo.strip())


tiene_motivo.motivo = _("Debe indicar el motivo del rechazo.")


MAQUINA = Maquina(
    transiciones=Transicion, estados=Estado, sujeto=_("un incidente"),
    sin_permiso=_("Su rol no puede ejecutar «%(t)s» en este protocolo."),
    solo_sistema=frozenset({Transicion.AUTOCERRAR, Transicion.REABRIR_POR_FUENTE}),
    campos={
        Transicion.RECHAZAR: ("motivo_rechazo",),
        Transicion.MARCAR_DUPLICADO: ("maestro_id",),
        Transicion.RESOLVER: ("resumen_cierre", "lecciones_aprendidas"),
        Transicion.CERRAR: ("resumen_cierre", "lecciones_aprendidas", "controles_fallidos"),
    },
)
