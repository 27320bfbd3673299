"""Analysts' own tasks beside the protocol steps (issue 18): a title, an assignee, a due date
and a status. Rules:

- CGII management roles create them and change anything about them.
- The assignee is CGII management staff, or — only when the task is shared
  (``compartida``) — an active user of the incident's own entity.
- A shared task is seen by the incident's entity (timeline row visible to it, «Mis
  tareas» of its users); its assignee (an entity user) may change its status and note,
  nothing else; other entity users only read it. A task that is not shared is CGII's only:
  to an entity user it does not exist (404).
- Every change writes one timeline row + one audit row + one outbox event
  (``comun.registrar``); the assignee hears of a new task (``incidente.asignacion``
  is not reused: a task is not the incident).
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.entidades.selectors import es_personal_cgii, roles_en_entidad, tiene_rol_cgii
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado, TransicionInvalida

from ..models import EstadoTarea, Incidente, Tarea, TipoEntrada
from ..selectors import incidente_obtener
from ..states import ESTADOS_FINALES, Estado
from .comun import ROLES_GESTION, exigir_gestion, registrar

FASE_PROPIAS = "propias"
ORDEN_BASE = 1000   # after every protocol step
MAX_TITULO = 200


def _asignable(incidente: Incidente, asignado_id, *, compartida: bool):
    if asignado_id is None:
        return None
    usuario = get_user_model().objects.filter(pk=asignado_id, is_active=True).first() \
        if isinstance(asignado_id, int) and not isinstance(asignado_id, bool) else None
    if usuario is not None and tiene_rol_cgii(usuario, *ROLES_GESTION):
        return usuario
    if usuario is not None and compartida and roles_en_entidad(usuario, incidente.entidad_id):
        return usuario
    # One message for "does not exist" and "not eligible": no hint of who exists.
    raise ErrorValidacion(extra={"asignado_id": [
        _("Debe ser personal del CGII o, si la tarea es compartida, un usuario activo de la "
          "entidad del incidente.")]})


def _validar(titulo: str | None, estado: str | None, vence_en) -> dict:
    errores = {}
    if titulo is not None and not titulo.strip():
        errores["titulo"] = [_("El título es obligatorio.")]
    elif titulo is not None and len(titulo.strip()) > MAX_TITULO:
        errores["titulo"] = [_("Máximo %(n)d caracteres.") % {"n": MAX_TITULO}]
    if estado is not None and estado not in EstadoTarea.values:
        errores["estado"] = [_("Estado de tarea no válido.")]
    if vence_en is not None and (not isinstance(vence_en, datetime)
                                 or timezone.is_naive(vence_en)):
        errores["vence_en"] = [_("Indique fecha y hora con zona horaria.")]
    if errores:
        raise ErrorValidacion(extra=errores)
    return errores


def _abierto(incidente: Incidente) -> None:
    if incidente.estado in ESTADOS_FINALES and incidente.estado != Estado.RESUELTO:
        raise TransicionInvalida(_("El incidente ya no admite cambios en tareas."))


def _nombre(usuario) -> str:
    return (usuario.get_full_name() or usuario.username) if usuario else _("nadie")


def _datos(tarea: Tarea) -> dict:
    return {"tarea_id": tarea.pk, "propia": True, "estado": tarea.estado,
            "asignado_id": tarea.asignado_id, "compartida": tarea.compartida,
            "vence_en": tarea.vence_en.isoformat() if tarea.vence_en else None}


def tarea_crear(*, actor, incidente_id: int, titulo: str, descripcion: str = "",
                asignado_id: int | None = None, vence_en: datetime | None = None,
                compartida: bool = False) -> Tarea:
    exigir_gestion(actor)
    _validar(titulo, None, vence_en)
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        _abierto(incidente)
        asignado = _asignable(incidente, asignado_id, compartida=compartida)
        ultimo = incidente.tareas.filter(propia=True).aggregate(n=Max("orden"))["n"]
        orden = (ultimo or ORDEN_BASE) + 1
        tarea = Tarea.objects.create(
            incidente=incidente, propia=True, compartida=compartida, creada_por=actor,
            codigo_paso=f"propia-{orden - ORDEN_BASE}", fase=FASE_PROPIAS, orden=orden,
            titulo=titulo.strip(), instrucciones=descripcion.strip(), obligatoria=False,
            rol="analista", asignado=asignado, vence_en=vence_en)
        incidente.save(update_fields=["actualizado"])
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.TAREA, accion="tarea_crear",
                  evento="timeline.nuevo", visible_entidad=compartida,
                  texto=_("Nueva tarea «%(t)s» para %(a)s.") % {"t": tarea.titulo,
                                                               "a": _nombre(asignado)},
                  datos=_datos(tarea), despues=_datos(tarea))
    return tarea


def _tarea_para(incidente: Incidente, actor, tarea_id: int) -> Tarea:
    try:
        tarea = incidente.tareas.select_for_update().get(pk=tarea_id, propia=True)
    except (Tarea.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None
    if not es_personal_cgii(actor) and not tarea.compartida:
        raise NoEncontrado()  # CGII's own work: not there for the entity
    return tarea


def tarea_propia_actualizar(*, actor, incidente_id: int, tarea_id: int,
                            estado: str | None = None, nota: str | None = None,
                            titulo: str | None = None, asignado_id: int | None = None,
                            quitar_asignado: bool = False, vence_en: datetime | None = None,
                            compartida: bool | None = None) -> Tarea:
    """Staff change anything; the entity user a shared task is assigned to changes its
    status and note; nobody else changes it."""
    personal = es_personal_cgii(actor)
    if personal:
        exigir_gestion(actor)
    _validar(titulo, estado, vence_en)
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        tarea = _tarea_para(incidente, actor, tarea_id)
        _abierto(incidente)
        if not personal:
            if tarea.asignado_id != actor.pk:
                raise PermisoDenegado(_("Solo la persona asignada puede actualizar esta tarea."))
            if (titulo, asignado_id, vence_en, compartida) != (None, None, None, None) \
                    or quitar_asignado:
                raise PermisoDenegado(_("Solo el CGII cambia el título, la persona asignada, "
                                        "el plazo o si la tarea es compartida."))
        antes = _datos(tarea)
        if compartida is not None:
            tarea.compartida = compartida
        if asignado_id is not None or quitar_asignado:
            tarea.asignado = None if quitar_asignado else _asignable(
                incidente, asignado_id, compartida=tarea.compartida)
        elif tarea.asignado_id and not tarea.compartida and not es_personal_cgii(tarea.asignado):
            raise ErrorValidacion(extra={"compartida": [
                _("La tarea está asignada a la entidad: no puede dejar de ser compartida.")]})
        if titulo is not None:
            tarea.titulo = titulo.strip()
        if vence_en is not None:
            tarea.vence_en = vence_en
        if nota is not None:
            tarea.nota = nota.strip()
        if estado is not None:
            tarea.estado = estado
            hecha = estado == EstadoTarea.HECHA
            tarea.completada_por = actor if hecha else None
            tarea.completada_en = timezone.now() if hecha else None
        tarea.save()
        incidente.save(update_fields=["actualizado"])
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.TAREA,
                  accion="tarea_actualizar", evento="timeline.nuevo",
                  visible_entidad=tarea.compartida,
                  texto=_("Tarea «%(t)s»: %(e)s, a cargo de %(a)s.") % {
                      "t": tarea.titulo, "e": tarea.get_estado_display(),
                      "a": _nombre(tarea.asignado)},
                  datos=_datos(tarea), antes=antes, despues=_datos(tarea))
    return tarea
