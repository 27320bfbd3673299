"""The conformity document approved through Ciudadanía Digital's Aprobación de Documentos
(issue 21, docs/ciudadania_digital.md).

After conformity, the plan's RSI sends the conformity summary (the PDF frozen at conformity)
for approval; a Celery task sends it (retried while the service is down); the result comes
back by ``aprobacion_consultar`` (the page's button, or the periodic check). The evidence
(who, when, SHA-256, the service's code) is kept; a returned hash that is not the hash of the
document sent is refused and audited. The MAE resolution then has to cite the code
(``states.documento_aprobado``, ``states.resolucion_cita_aprobacion``).
"""

from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import archivos
from cgii.ciudadania import aprobacion as servicio
from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida

from .. import pdf, selectors
from ..models import (
    ESTADOS_ACTIVOS,
    AprobacionDocumento,
    EstadoAprobacion,
    PlanInstitucional,
    TipoEntrada,
)
from ..permisos import SISTEMA
from ..states import Estado
from . import plazos
from .comun import registrar

EVENTO = "pisi.aprobacion_documento"


class HashDistinto(ErrorValidacion):
    status = 409


def _contenido(ruta: str) -> bytes:
    return archivos.ruta_absoluta(ruta).read_bytes()


def aprobacion_solicitar(*, actor, plan_id: int) -> AprobacionDocumento:
    """The plan's RSI sends the conformity summary for approval. Idempotent: an active
    request (to send, sent or approved) is returned as it is."""
    if not servicio.configurada():
        raise TransicionInvalida(_("Aprobación de Documentos de Ciudadanía Digital no está "
                                   "configurada en esta plataforma."))
    plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id)
    if plan.estado != Estado.CONFORME or not plan.codigo_verificacion:
        raise TransicionInvalida(_("Solo un plan conforme se envía a Aprobación de "
                                   "Documentos."), extra={"estado": plan.estado})
    ruta = pdf.asegurar_resumen(plan)  # the same document whatever the moment it is read
    contenido = _contenido(ruta)
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        if plan.estado != Estado.CONFORME:
            raise TransicionInvalida(extra={"estado": plan.estado})
        if getattr(actor, "pk", None) != plan.rsi_id:
            raise PermisoDenegado(_("Solo el RSI designado en el plan envía el documento a "
                                    "Aprobación de Documentos."))
        activa = plan.aprobaciones_documento.filter(estado__in=ESTADOS_ACTIVOS).first()
        if activa is not None:
            return activa
        if not actor.documento_identidad:
            raise ErrorValidacion(_("Su cuenta no tiene registrado un documento de identidad: "
                                    "pida al administrador que lo registre para aprobar con "
                                    "Ciudadanía Digital."))
        a = AprobacionDocumento.objects.create(
            plan=plan, solicitado_por=actor, documento_ruta=ruta,
            sha256=servicio.sha256(contenido), documento_identidad=actor.documento_identidad)
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.DOCUMENTO,
                  accion="aprobacion_documento.solicitar", evento=EVENTO, objeto=a,
                  texto=_("Resumen de conformidad enviado a Aprobación de Documentos "
                          "(SHA-256 %(h)s).") % {"h": a.sha256},
                  datos={"aprobacion_id": a.pk, "sha256": a.sha256, "estado": a.estado})
        from ..tasks import aprobacion_enviar_tarea

        transaction.on_commit(partial(aprobacion_enviar_tarea.delay, a.pk))
    return a


def aprobacion_enviar(*, aprobacion_id: int) -> str:
    """Send a request still to be sent (the Celery task's body; idempotent: anything else
    is left alone). ``ServicioNoDisponible`` propagates after recording the attempt."""
    a = AprobacionDocumento.objects.select_related("plan__entidad").get(pk=aprobacion_id)
    if a.estado != EstadoAprobacion.POR_ENVIAR:
        return a.estado
    contenido = _contenido(a.documento_ruta)
    try:
        if servicio.sha256(contenido) != a.sha256:
            raise servicio.RespuestaInvalida(_("El documento guardado cambió desde la "
                                               "solicitud; no se envía."))
        solicitud = servicio.solicitar(
            contenido=contenido, nombre_archivo=f"{a.plan.codigo_verificacion}.pdf",
            documento_identidad=a.documento_identidad,
            referencia=f"cgii-pisi-aprobacion-{a.pk}",
            descripcion=_("Resumen de conformidad del PISI %(c)s de %(e)s") % {
                "c": a.plan.codigo_verificacion, "e": a.plan.entidad.sigla})
    except (servicio.ServicioNoDisponible, servicio.RespuestaInvalida) as exc:
        AprobacionDocumento.objects.filter(pk=a.pk, estado=EstadoAprobacion.POR_ENVIAR).update(
            intentos=F("intentos") + 1, ultimo_error=exc.message[:300])
        raise
    with transaction.atomic():
        a = AprobacionDocumento.objects.select_for_update().get(pk=aprobacion_id)
        if a.estado != EstadoAprobacion.POR_ENVIAR:
            return a.estado
        plan = PlanInstitucional.objects.select_for_update(of=("self",)).select_related(
            "entidad").get(pk=a.plan_id)
        a.estado, a.solicitud_id, a.url_aprobacion = (EstadoAprobacion.ENVIADA, solicitud.id,
                                                      solicitud.url)
        a.enviado_en, a.intentos, a.ultimo_error = timezone.now(), a.intentos + 1, ""
        a.save(update_fields=["estado", "solicitud_id", "url_aprobacion", "enviado_en",
                              "intentos", "ultimo_error"])
        registrar(plan, actor=SISTEMA, tipo_entrada=TipoEntrada.DOCUMENTO,
                  accion="aprobacion_documento.enviar", evento=EVENTO, objeto=a,
                  texto=_("Solicitud de Aprobación de Documentos recibida por Ciudadanía "
                          "Digital (%(id)s).") % {"id": a.solicitud_id},
                  datos={"aprobacion_id": a.pk, "estado": a.estado})
    return a.estado


def aprobacion_reintentar(*, actor, aprobacion_id: int) -> str:
    """The page's "retry now": the same idempotent send, by someone who sees the plan."""
    a = AprobacionDocumento.objects.get(pk=aprobacion_id)
    selectors.plan_obtener(usuario=actor, plan_id=a.plan_id)
    return aprobacion_enviar(aprobacion_id=a.pk)


def aprobacion_consultar(*, actor, aprobacion_id: int) -> AprobacionDocumento:
    """Ask the service for a sent request's result and record it."""
    a = AprobacionDocumento.objects.get(pk=aprobacion_id)
    if actor is not SISTEMA:
        selectors.plan_obtener(usuario=actor, plan_id=a.plan_id)  # 404 for others
    if a.estado != EstadoAprobacion.ENVIADA:
        return a
    resultado = servicio.consultar(solicitud_id=a.solicitud_id)
    return aprobacion_registrar_resultado(aprobacion_id=a.pk, resultado=resultado)


def aprobacion_registrar_resultado(*, aprobacion_id: int,
                                   resultado: servicio.Resultado) -> AprobacionDocumento:
    """Record what the service answered (once). A returned hash other than the hash of the
    document sent is refused: recorded as such, audited, and raised after commit."""
    with transaction.atomic():
        a = AprobacionDocumento.objects.select_for_update().get(pk=aprobacion_id)
        if a.estado != EstadoAprobacion.ENVIADA or resultado.estado == "pendiente":
            return a
        plan = PlanInstitucional.objects.select_for_update(of=("self",)).select_related(
            "entidad").get(pk=a.plan_id)
        a.respondido_en = timezone.now()
        if resultado.estado == "rechazado":
            a.estado, a.motivo = EstadoAprobacion.RECHAZADA, resultado.motivo[:500]
            texto = _("Aprobación de Documentos rechazada: %(m)s") % {"m": a.motivo or "—"}
        elif resultado.sha256 != a.sha256:
            a.estado, a.sha256_devuelto = EstadoAprobacion.HASH_DISTINTO, resultado.sha256
            a.codigo = resultado.codigo
            texto = _("Aprobación de Documentos rechazada por la plataforma: el SHA-256 "
                      "devuelto (%(d)s) no es el del documento enviado (%(e)s).") % {
                          "d": resultado.sha256 or "—", "e": a.sha256}
        else:
            a.estado, a.codigo, a.aprobado_por = (EstadoAprobacion.APROBADA, resultado.codigo,
                                                  resultado.aprobado_por)
            a.aprobado_en = resultado.aprobado_en or a.respondido_en
            a.sha256_devuelto = resultado.sha256
            plazos.al_aprobar_documento(plan, momento=a.aprobado_en)
            texto = _("Documento aprobado en Ciudadanía Digital por %(p)s: código %(c)s.") % {
                "p": a.aprobado_por or a.documento_identidad, "c": a.codigo}
        a.save()
        registrar(plan, actor=SISTEMA, tipo_entrada=TipoEntrada.DOCUMENTO,
                  accion=f"aprobacion_documento.{a.estado}", evento=EVENTO, objeto=a,
                  texto=texto,
                  datos={"aprobacion_id": a.pk, "estado": a.estado, "codigo": a.codigo,
                         "sha256": a.sha256, "sha256_devuelto": a.sha256_devuelto})
    if a.estado == EstadoAprobacion.HASH_DISTINTO:
        raise HashDistinto(texto)
    return a


def aprobaciones_consultar_pendientes() -> int:
    """Periodic: the result of every sent request (transient errors wait for the next run)."""
    hechas = 0
    for pk in AprobacionDocumento.objects.filter(
            estado=EstadoAprobacion.ENVIADA).values_list("pk", flat=True)[:200]:
        try:
            aprobacion_consultar(actor=SISTEMA, aprobacion_id=pk)
            hechas += 1
        except (servicio.ServicioNoDisponible, servicio.RespuestaInvalida, HashDistinto):
            continue
    return hechas
