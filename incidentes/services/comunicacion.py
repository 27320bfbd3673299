"""Messages, information requests, tasks and evidence."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import archivos
from cgii.entidades.selectors import es_personal_cgii, roles_en_entidad
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado, TransicionInvalida

from .. import sla
from ..models import EstadoTarea, Evidencia, Incidente, Tarea, TipoEntrada
from ..permisos import ROLES_PASO, SISTEMA, puede_cambiar_tarea, roles_del_usuario, ve_tarea
from ..selectors import incidente_obtener
from ..states import ESTADOS_FINALES, Estado, Transicion
from .ciclo import incidente_transicionar
from .comun import exigir_gestion, registrar

MAX_TEXTO = 20_000


def _texto_valido(texto: str, campo: str = "texto") -> str:
    texto = (texto or "").strip()
    if not texto:
        raise ErrorValidacion(extra={campo: [_("El texto es obligatorio.")]})
    if len(texto) > MAX_TEXTO:
        raise ErrorValidacion(extra={campo: [_("Máximo %(n)d caracteres.") % {"n": MAX_TEXTO}]})
    return texto


def incidente_comentar(*, actor, incidente_id: int, texto: str, compartido: bool = True):
    """Staff write internal comments (compartido=False) or messages shared with the entity;
    whatever an entity user writes is shared."""
    texto = _texto_valido(texto)
    personal = es_personal_cgii(actor)
    if personal:
        exigir_gestion(actor)
    compartido = compartido or not personal
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        if personal and compartido:
            sla.primera_respuesta(incidente, momento=timezone.now())
        incidente.save(update_fields=["actualizado"])
        return registrar(
            incidente, actor=actor,
            tipo_entrada=TipoEntrada.MENSAJE if compartido else TipoEntrada.COMENTARIO,
            accion="mensaje" if compartido else "comentario", evento="timeline.nuevo",
            visible_entidad=compartido, texto=texto,
        )


def incidente_solicitar_info(*, actor, incidente_id: int, pregunta: str,
                             notificacion_legal: bool = False,
                             plazo_dias: int | None = None) -> Incidente:
    """Ask the entity something: pauses the SLA (en_espera_entidad) until it answers.
    ``notificacion_legal``: also a notice with legal effect to its MAE and RSI through
    Ciudadanía Digital (``avisos``), in the same transaction (refused as a whole when it
    cannot be sent to anyone)."""
    if not notificacion_legal:
        return incidente_transicionar(actor=actor, incidente_id=incidente_id,
                                      transicion=Transicion.SOLICITAR_INFORMACION,
                                      comentario=pregunta, tipo_entrada=TipoEntrada.SOLICITUD)
    from . import avisos

    plazo = avisos.validar_plazo(plazo_dias)
    with transaction.atomic():
        incidente = incidente_transicionar(actor=actor, incidente_id=incidente_id,
                                           transicion=Transicion.SOLICITAR_INFORMACION,
                                           comentario=pregunta,
                                           tipo_entrada=TipoEntrada.SOLICITUD)
        avisos.notificar_solicitud(actor=actor, incidente=incidente,
                                   pregunta=_texto_valido(pregunta, "pregunta"),
                                   plazo_dias=plazo)
    return incidente


def incidente_responder(*, actor, incidente_id: int, respuesta: str) -> Incidente:
    return incidente_transicionar(actor=actor, incidente_id=incidente_id,
                                  transicion=Transicion.RESPONDER_ENTIDAD,
                                  comentario=respuesta, tipo_entrada=TipoEntrada.RESPUESTA)


def incidente_confirmar_resolucion(*, actor, incidente_id: int, comentario: str = "") -> Incidente:
    """The entity confirms the fix (with an optional comment); with the closing summary
    present it closes at once."""
    comentario = (comentario or "").strip()
    if len(comentario) > MAX_TEXTO:
        raise ErrorValidacion(extra={"comentario": [
            _("Máximo %(n)d caracteres.") % {"n": MAX_TEXTO}]})
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        if es_personal_cgii(actor) or not roles_del_usuario(incidente, actor):
            raise PermisoDenegado(_("Solo la entidad puede confirmar la resolución."))
        if incidente.estado != Estado.RESUELTO:
            raise TransicionInvalida(_("Solo se confirma un incidente resuelto."))
        incidente.confirmado_por_entidad_en = timezone.now()
        incidente.save(update_fields=["confirmado_por_entidad_en", "actualizado"])
        texto = _("La entidad confirmó la resolución.")
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.CONFIRMACION,
                  accion="confirmar", evento="timeline.nuevo", visible_entidad=True,
                  texto=f"{texto}\n{comentario}" if comentario else texto,
                  datos={"comentario": comentario})
        if incidente.resumen_cierre.strip() and incidente.lecciones_aprendidas.strip():
            incidente = incidente_transicionar(actor=SISTEMA, incidente_id=incidente.pk,
                                               transicion=Transicion.AUTOCERRAR)
    return incidente


def incidente_objetar_resolucion(*, actor, incidente_id: int, motivo: str) -> Incidente:
    """The entity answers "it is not fixed" with its reason: the incident goes back to
    analysis (the SLA resolution clock runs again) and the analyst hears of it
    (``incidentes.notificaciones``)."""
    return incidente_transicionar(actor=actor, incidente_id=incidente_id,
                                  transicion=Transicion.OBJETAR_RESOLUCION, comentario=motivo)


def _validar_tarea(tarea: Tarea, *, estado: str | None) -> None:
    if estado == EstadoTarea.HECHA:
        if tarea.requiere_nota and not tarea.nota:
            raise ErrorValidacion(extra={"nota": [_("Este paso requiere una nota.")]})
        if tarea.requiere_evidencia and not tarea.evidencia_id:
            raise ErrorValidacion(extra={"evidencia_id": [_("Este paso requiere evidencia.")]})
    if estado == EstadoTarea.NO_APLICA and tarea.obligatoria:
        raise ErrorValidacion(extra={"estado": [
            _("Un paso obligatorio no puede marcarse como «no aplica».")]})


def _tarea_bloqueada(incidente: Incidente, actor, tarea_id: int, *, cambia: bool) -> Tarea:
    if incidente.estado in ESTADOS_FINALES and incidente.estado != Estado.RESUELTO:
        raise TransicionInvalida(_("El incidente ya no admite cambios en tareas."))
    try:
        # Protocol steps only: own tasks have their rules in services/tareas.py.
        tarea = incidente.tareas.select_for_update().get(pk=tarea_id, propia=False)
    except (Tarea.DoesNotExist, ValueError):
        raise NoEncontrado() from None
    roles = roles_del_usuario(incidente, actor)
    if not ve_tarea(tarea, roles, personal=es_personal_cgii(actor)):
        raise PermisoDenegado(_("Esta tarea corresponde a otro rol."))
    if cambia and not puede_cambiar_tarea(tarea, roles):
        raise PermisoDenegado(
            _("Este paso corresponde al rol «%(r)s»: solo ese rol puede completarlo.")
            % {"r": ROLES_PASO.get(tarea.rol, tarea.rol)})
    return tarea


def _exigir_asignable(incidente: Incidente, usuario_id) -> None:
    """A task goes to CGII staff or to an active user of the incident's own entity, never
    to anyone else (issue 16: another entity's user was accepted; a missing id was a 500).
    One message for "does not exist" and "not eligible": no hint of who exists."""
    from django.contrib.auth import get_user_model

    usuario = get_user_model().objects.filter(pk=usuario_id, is_active=True).first() \
        if isinstance(usuario_id, int) and not isinstance(usuario_id, bool) else None
    if usuario is None or not (es_personal_cgii(usuario)
                               or roles_en_entidad(usuario, incidente.entidad_id)):
        raise ErrorValidacion(extra={"asignado_id": [
            _("Debe ser personal del CGII o un usuario activo de la entidad del incidente.")]})


def tarea_actualizar(*, actor, incidente_id: int, tarea_id: int, estado: str | None = None,
                     nota: str | None = None, evidencia_id: int | None = None,
                     asignado_id: int | None = None, archivo=None,
                     evidencia_interna: bool = False) -> Tarea:
    """Change one protocol step. Only the role the step names changes its state, note or
    evidence; staff assign it. ``archivo`` (uploaded with the step) becomes its evidence in
    the same transaction: a refused step keeps no file and no evidence row."""
    if estado is not None and estado not in EstadoTarea.values:
        raise ErrorValidacion(extra={"estado": [_("Estado de tarea no válido.")]})
    personal = es_personal_cgii(actor)
    if personal or asignado_id is not None:
        exigir_gestion(actor)  # auditors read, never write; only staff assign
    cambia = (estado, nota, evidencia_id, archivo) != (None, None, None, None)
    # Visibility and role before reading the upload: nothing is stored for a refused step.
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id)
        _tarea_bloqueada(incidente, actor, tarea_id, cambia=cambia)
    guardado = archivos.guardar_archivo(archivo, carpeta="incidentes") if archivo else None
    try:
        with transaction.atomic():
            incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                          para_actualizar=True)
            tarea = _tarea_bloqueada(incidente, actor, tarea_id, cambia=cambia)
            antes = {"estado": tarea.estado}
            if nota is not None:
                tarea.nota = nota.strip()
            if guardado is not None:
                evidencia_id = _crear_evidencia(
                    incidente, actor=actor, guardado=guardado, descripcion=(nota or "")[:255],
                    visible_entidad=not evidencia_interna or not personal).pk
            if evidencia_id is not None:
                if not incidente.evidencias.filter(pk=evidencia_id).exists():
                    raise ErrorValidacion(extra={"evidencia_id": [
                        _("Evidencia de otro incidente.")]})
                tarea.evidencia_id = evidencia_id
            if asignado_id is not None:
                _exigir_asignable(incidente, asignado_id)
                tarea.asignado_id = asignado_id
            if estado is not None:
                _validar_tarea(tarea, estado=estado)
                tarea.estado = estado
                hecha = estado == EstadoTarea.HECHA
                tarea.completada_por = actor if hecha else None
                tarea.completada_en = timezone.now() if hecha else None
            tarea.save()
            incidente.save(update_fields=["actualizado"])
            registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.TAREA, accion="tarea",
                      evento="timeline.nuevo", visible_entidad=False,
                      texto=_("%(t)s: %(e)s") % {"t": tarea.titulo,
                                                 "e": tarea.get_estado_display()},
                      datos={"tarea_id": tarea.pk, "estado": tarea.estado},
                      antes=antes, despues={"estado": tarea.estado})
    except BaseException:
        if guardado is not None:
            archivos.borrar_archivo(guardado.ruta)
        raise
    return tarea


def _crear_evidencia(incidente: Incidente, *, actor, guardado, descripcion: str,
                     visible_entidad: bool) -> Evidencia:
    """The evidence row and its timeline entry, on a locked incident (the caller's
    transaction)."""
    evidencia = Evidencia.objects.create(
        incidente=incidente, subido_por=actor, nombre=guardado.nombre_original,
        tipo_mime=guardado.tipo_mime, tamano=guardado.tamano, sha256=guardado.sha256,
        ruta=guardado.ruta, descripcion=(descripcion or "")[:255],
        visible_entidad=visible_entidad,
    )
    registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.EVIDENCIA,
              accion="evidencia", evento="timeline.nuevo",
              visible_entidad=evidencia.visible_entidad,
              texto=_("Evidencia añadida: %(n)s") % {"n": evidencia.nombre},
              datos={"evidencia_id": evidencia.pk, "sha256": evidencia.sha256,
                     "tamano": evidencia.tamano})
    return evidencia


def evidencia_subir(*, actor, incidente_id: int, archivo, descripcion: str = "",
                    visible_entidad: bool = True) -> Evidencia:
    """Entity uploads are always shared; staff may keep evidence internal."""
    personal = es_personal_cgii(actor)
    if personal:
        exigir_gestion(actor)
    # Check visibility before reading the upload: another entity's incident is a 404.
    incidente_obtener(usuario=actor, incidente_id=incidente_id)
    guardado = archivos.guardar_archivo(archivo, carpeta="incidentes")
    try:
        with transaction.atomic():
            incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                          para_actualizar=True)
            evidencia = _crear_evidencia(incidente, actor=actor, guardado=guardado,
                                         descripcion=descripcion,
                                         visible_entidad=visible_entidad or not personal)
            incidente.save(update_fields=["actualizado"])
    except BaseException:
        archivos.borrar_archivo(guardado.ruta)
        raise
    return evidencia


def evidencia_registrar_guardada(*, actor, incidente_id: int, guardado, descripcion: str = "",
                                 visible_entidad: bool = True) -> Evidencia:
    """Evidence from a file the caller already stored (``archivos.guardar_archivo`` or, for a
    raw e-mail, ``archivos.escribir_archivo``): mail intake stores every file of a message
    first and then writes all its rows in one transaction. Same rules as ``evidencia_subir``;
    the caller removes its files if the transaction fails."""
    personal = es_personal_cgii(actor)
    if personal:
        exigir_gestion(actor)
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        evidencia = _crear_evidencia(incidente, actor=actor, guardado=guardado,
                                     descripcion=descripcion,
                                     visible_entidad=visible_entidad or not personal)
        incidente.save(update_fields=["actualizado"])
    return evidencia
