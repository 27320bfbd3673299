"""Every POST of the detail page goes through ``accion``: one service, a message, back
(post/redirect/get); JSON when asked with ``Accept: application/json``. Evidence download."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cgii import archivos
from cgii.entidades.selectors import (
    es_personal_cgii,
)
from cgii.errores import ErrorDominio, ErrorValidacion, NoEncontrado
from protocolos import selectors as protocolos

from .. import selectors, services
from ..forms import ClasificacionForm
from ..indicadores.views import ACCIONES as ACCIONES_INDICADORES
from ..states import (
    Estado,
)
from .comun import quiere_json, texto_error, volver
from .detalle import CON_FORMULARIO_PROPIO
from .tareas import ACCIONES as ACCIONES_TAREAS


def _accion_transicion(request, pk):
    p = request.POST
    transicion = p.get("transicion", "")
    if transicion in CON_FORMULARIO_PROPIO:
        raise ErrorValidacion(extra={"transicion": [_("Use el formulario de la solicitud.")]})
    datos = {k: p[k].strip() for k in ("motivo_rechazo", "resumen_cierre", "lecciones_aprendidas")
             if p.get(k, "").strip()}
    if p.get("maestro_id", "").strip():
        datos["maestro_id"] = p["maestro_id"].strip()  # an id or a code: the service resolves it
    if p.get("controles_fallidos", "").strip():
        datos["controles_fallidos"] = [c.strip() for c in p["controles_fallidos"].split(",")
                                       if c.strip()]
    incidente = services.incidente_transicionar(
        actor=request.user, incidente_id=pk, transicion=transicion,
        comentario=p.get("comentario", "").strip(), datos=datos)
    return _("Estado actualizado: %(e)s.") % {"e": incidente.get_estado_display()}


def _accion_fusionar(request, pk):
    p = request.POST
    fusion = services.incidente_fusionar(
        actor=request.user, incidente_id=pk, maestro_id=p.get("maestro_id", "").strip(),
        confirmar_otra_entidad=p.get("confirmar_otra_entidad") == "1",
        comentario=p.get("comentario", ""))
    return _("Fusionado en %(c)s: %(m)d mensaje(s), %(e)d evidencia(s), %(i)d indicador(es), "
             "%(p)d paso(s).") % {"c": fusion.maestro.codigo, "m": fusion.mensajes,
                                  "e": fusion.evidencias, "i": fusion.indicadores,
                                  "p": fusion.pasos}


def _accion_clasificar(request, pk):
    form = ClasificacionForm(request.POST, tipos=protocolos.opciones_tipos())
    if not form.is_valid():
        raise ErrorValidacion(_("Revise la clasificación."),
                              extra={k: list(v) for k, v in form.errors.items()})
    d = form.cleaned_data
    incidente = services.incidente_clasificar(
        actor=request.user, incidente_id=pk, tipo_codigo=d["tipo"], impacto=d["impacto"],
        urgencia=d["urgencia"], prioridad=d["prioridad"] or None,
        motivo_prioridad=d["motivo_prioridad"])
    return _("Clasificado: %(t)s, prioridad %(p)s.") % {"t": incidente.tipo.nombre,
                                                         "p": incidente.prioridad}


def _accion_tomar(request, pk):
    services.incidente_asignar(actor=request.user, incidente_id=pk, analista_id=request.user.pk)
    return _("El incidente quedó asignado a usted.")


def _accion_asignar(request, pk):
    valor = request.POST.get("analista_id", "")
    services.incidente_asignar(actor=request.user, incidente_id=pk,
                               analista_id=int(valor) if valor else None)
    return _("Asignación actualizada.")


def _accion_mensaje(request, pk):
    compartido = request.POST.get("compartido") == "1"
    services.incidente_comentar(actor=request.user, incidente_id=pk,
                                texto=request.POST.get("texto", ""), compartido=compartido)
    if es_personal_cgii(request.user) and not compartido:
        return _("Nota interna registrada (no la ve la entidad).")
    return _("Mensaje enviado.")


def _accion_solicitar(request, pk):
    legal = request.POST.get("notificacion_legal") == "1"
    services.incidente_solicitar_info(actor=request.user, incidente_id=pk,
                                      pregunta=request.POST.get("pregunta", ""),
                                      notificacion_legal=legal,
                                      plazo_dias=request.POST.get("plazo_dias"))
    if legal:
        return _("Solicitud enviada a la entidad y, como notificación electrónica, a su MAE y "
                 "RSI; el plazo legal corre desde la entrega.")
    return _("Solicitud enviada a la entidad; el SLA queda en pausa hasta su respuesta.")


def _accion_responder(request, pk):
    services.incidente_responder(actor=request.user, incidente_id=pk,
                                 respuesta=request.POST.get("respuesta", ""))
    return _("Respuesta enviada al CGII.")


def _accion_confirmar(request, pk):
    incidente = services.incidente_confirmar_resolucion(
        actor=request.user, incidente_id=pk, comentario=request.POST.get("comentario", ""))
    if incidente.estado == Estado.CERRADO:
        return _("Gracias. Confirmó la resolución y el incidente quedó cerrado.")
    return _("Gracias. Confirmó la resolución.")


def _accion_no_resuelto(request, pk):
    services.incidente_objetar_resolucion(actor=request.user, incidente_id=pk,
                                          motivo=request.POST.get("motivo", ""))
    return _("Gracias. El incidente volvió a análisis y el CGII recibió su respuesta.")


def _accion_tarea(request, pk):
    """Complete (or mark not applicable) a protocol step; a file chosen in the same form
    becomes the step's evidence, in the same transaction (one service)."""
    p = request.POST
    tarea_id = int(p.get("tarea_id", ""))
    evidencia_id = int(p["evidencia_id"]) if p.get("evidencia_id") else None
    tarea = services.tarea_actualizar(
        actor=request.user, incidente_id=pk, tarea_id=tarea_id,
        estado=p.get("estado") or None, nota=p.get("nota") if "nota" in p else None,
        evidencia_id=evidencia_id, archivo=request.FILES.get("archivo"),
        evidencia_interna=p.get("interna") == "1")
    return _("Paso «%(t)s»: %(e)s.") % {"t": tarea.titulo, "e": tarea.get_estado_display()}


def _accion_evidencia(request, pk):
    archivo = request.FILES.get("archivo")
    if archivo is None:
        raise ErrorValidacion(extra={"archivo": [_("Seleccione un archivo.")]})
    evidencia = services.evidencia_subir(
        actor=request.user, incidente_id=pk, archivo=archivo,
        descripcion=request.POST.get("descripcion", ""),
        visible_entidad=request.POST.get("interna") != "1")
    return _("Evidencia «%(n)s» añadida.") % {"n": evidencia.nombre}


ACCIONES = {
    "transicion": _accion_transicion,
    "clasificar": _accion_clasificar,
    "fusionar": _accion_fusionar,  # «fusionar en el maestro» (services.fusion)
    "tomar": _accion_tomar,
    "asignar": _accion_asignar,
    "mensaje": _accion_mensaje,
    "solicitar": _accion_solicitar,
    "responder": _accion_responder,
    "confirmar": _accion_confirmar,
    "no_resuelto": _accion_no_resuelto,
    "tarea": _accion_tarea,
    "evidencia": _accion_evidencia,
    # Indicators (add one, paste many, confirm extracted ones, remove): the indicators app's
    # own functions, same pattern.
    **ACCIONES_INDICADORES,
    **ACCIONES_TAREAS,  # analysts' own tasks (issue 18)
}

@login_required
@require_POST
def accion(request, pk: int, nombre: str):
    funcion = ACCIONES.get(nombre)
    if funcion is None:
        raise Http404
    como_json = quiere_json(request)
    try:
        texto = funcion(request, pk)
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as exc:
        if como_json:
            return JsonResponse({"ok": False, "mensaje": texto_error(exc)}, status=exc.status)
        messages.error(request, texto_error(exc))
    except ValueError:
        if como_json:
            return JsonResponse({"ok": False, "mensaje": _("Datos no válidos.")}, status=400)
        messages.error(request, _("Datos no válidos."))
    else:
        if como_json:
            return JsonResponse({"ok": True, "mensaje": texto})
        messages.success(request, texto)
    # Back to the top of the page: that is where the message about the outcome shows.
    return redirect(volver(request) or reverse("incidentes:detalle", args=[pk]))


@login_required
@require_GET
def descargar_evidencia(request, pk: int, evidencia_id: int):
    try:
        ev = selectors.evidencia_obtener(usuario=request.user, incidente_id=pk,
                                         evidencia_id=evidencia_id)
        return archivos.respuesta_descarga(ruta=ev.ruta, nombre=ev.nombre, tipo_mime=ev.tipo_mime)
    except NoEncontrado:
        raise Http404 from None

