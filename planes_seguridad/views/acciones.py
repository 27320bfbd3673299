"""Every small write of the PISI pages: one POST endpoint per plan that calls one service
(what one form does is one service, one transaction) and goes back to the page it came from (post/redirect/get). The plan is resolved first, so
another entity's plan is a 404; after that a domain error — a refused transition, a missing
field, an unknown control — is a message on the page, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cgii.errores import ErrorDominio, ErrorValidacion

from .. import services
from ..forms import ActividadForm, EvidenciaForm, HallazgoForm, PeriodoForm, leer_revisiones
from ..states import CAMPOS_TRANSICION, Estado, TransicionPeriodo
from .acciones_revision import ACCIONES as ACCIONES_REVISION
from .acciones_riesgos import ACCIONES as ACCIONES_RIESGO
from .aprobacion import ACCIONES as ACCIONES_APROBACION
from .comun import entero, obtener_plan, texto_error, validar_form, volver
from .importacion import ACCIONES as ACCIONES_IMPORTACION

_validar = validar_form
_entero = entero


# ---- lifecycle ---------------------------------------------------------------------------

def _transicion(request, plan):
    p = request.POST
    transicion = p.get("transicion", "")
    datos = {k: p[k].strip() for k in CAMPOS_TRANSICION.get(transicion, ())
             if p.get(k, "").strip()}
    archivo = request.FILES.get("archivo")
    plan = services.plan_transicionar(
        actor=request.user, plan_id=plan.pk, transicion=transicion, datos=datos,
        comentario=p.get("comentario", ""),
        resolucion=archivo if transicion == "registrar_resolucion" else None)
    texto = _("Estado del plan: %(e)s.") % {"e": plan.get_estado_display()}
    if plan.estado == Estado.CONFORME:
        texto += " " + _("Código de verificación: %(c)s.") % {"c": plan.codigo_verificacion}
    return texto


def _nueva_version(request, plan):
    nuevo = services.plan_nueva_version(actor=request.user, plan_id=plan.pk,
                                        comentario=request.POST.get("comentario", ""))
    messages.success(request, _("Versión %(v)d creada en borrador.") % {"v": nuevo.version})
    return reverse("pisi:datos", args=[nuevo.pk])


def _soa_aplicar_pendientes(request, plan):
    """The undecided rows become applicable with one justification typed for all of them
    (every SoA line carries its justification, ISO/IEC 27001 6.1.3 d)."""
    pendientes = list(plan.soa.filter(aplica__isnull=True).values_list("pk", flat=True))
    if not pendientes:
        return _("No hay controles sin decidir.")
    justificacion = request.POST.get("justificacion", "")
    services.soa_actualizar_lote(actor=request.user, plan_id=plan.pk, cambios=[
        {"id": i, "aplica": True, "justificacion": justificacion} for i in pendientes])
    return _("%(n)d controles sin decidir quedaron como aplicables.") % {"n": len(pendientes)}


# ---- schedule -------------------------------------------------------------------------------

def _actividad_datos(form) -> dict:
    d = dict(_validar(form))
    for campo in ("inicio_planificado", "fin_planificado", "inicio_real", "fin_real"):
        d[campo] = d[campo].isoformat() if d.get(campo) else None
    return d


def _actividad_crear(request, plan):
    d = _actividad_datos(ActividadForm(request.POST, prefix="nueva"))
    act = services.actividad_crear(actor=request.user, plan_id=plan.pk, **d)
    return _("Actividad agregada: %(t)s.") % {"t": act.titulo}


def _actividad_editar(request, plan):
    actividad_id = _entero(request.POST.get("actividad_id"), "actividad_id")
    d = _actividad_datos(ActividadForm(request.POST, prefix=f"act{actividad_id}"))
    act = services.actividad_actualizar(actor=request.user, plan_id=plan.pk,
                                        actividad_id=actividad_id, **d)
    return _("Actividad actualizada: %(t)s (avance %(a)d %%).") % {"t": act.titulo,
                                                                   "a": act.avance}


def _actividad_eliminar(request, plan):
    services.actividad_eliminar(actor=request.user, plan_id=plan.pk, actividad_id=_entero(
        request.POST.get("actividad_id"), "actividad_id"))
    return _("Actividad eliminada del cronograma.")


# ---- evidence --------------------------------------------------------------------------------

def _evidencia(request, plan):
    d = _validar(EvidenciaForm(request.POST, request.FILES))
    comunes = {"titulo": d["titulo"], "descripcion": d["descripcion"],
               "control": d["control"] or None, "actividad_id": d["actividad"],
               "fecha_vencimiento": d["fecha_vencimiento"]}
    presentar = request.POST.get("presentar") == "1"
    if d.get("archivo"):
        ev = services.evidencia_subir(actor=request.user, plan_id=plan.pk,
                                      archivo=d["archivo"], presentar=presentar, **comunes)
    elif d.get("url"):
        ev = services.evidencia_enlazar(actor=request.user, plan_id=plan.pk, url=d["url"],
                                        presentar=presentar, **comunes)
    else:
        raise ErrorValidacion(extra={"archivo": [_("Elija un archivo o escriba un enlace.")]})
    if presentar:
        return _("Evidencia «%(t)s» agregada y enviada a revisión.") % {"t": ev.titulo}
    return _("Evidencia «%(t)s» agregada (borrador).") % {"t": ev.titulo}


def _evidencia_estado(request, plan):
    ev = services.evidencia_cambiar_estado(
        actor=request.user, plan_id=plan.pk,
        evidencia_id=_entero(request.POST.get("evidencia_id"), "evidencia_id"),
        accion=request.POST.get("accion_evidencia", ""), motivo=request.POST.get("motivo", ""))
    return _("Evidencia «%(t)s»: %(e)s.") % {"t": ev.titulo, "e": ev.get_estado_display()}


def _evidencia_eliminar(request, plan):
    services.evidencia_eliminar(actor=request.user, plan_id=plan.pk, evidencia_id=_entero(
        request.POST.get("evidencia_id"), "evidencia_id"))
    return _("Evidencia eliminada.")


# ---- follow-up ------------------------------------------------------------------------------

def _periodo_abrir(request, plan):
    d = _validar(PeriodoForm(request.POST))
    per = services.periodo_abrir(actor=request.user, plan_id=plan.pk,
                                 fecha_corte=d["fecha_corte"], nombre=d["nombre"])
    messages.success(request, _("Periodo abierto: %(n)s.") % {"n": per.nombre})
    return reverse("pisi:periodo", args=[plan.pk, per.pk])


def _periodo_transicion(request, plan):
    transicion = request.POST.get("transicion", "")
    per = services.periodo_transicionar(
        actor=request.user, plan_id=plan.pk,
        periodo_id=_entero(request.POST.get("periodo_id"), "periodo_id"),
        transicion=transicion, comentario=request.POST.get("comentario", ""))
    if transicion == TransicionPeriodo.CERRAR:
        return _("Periodo «%(n)s» cerrado: su instantánea quedó congelada.") % {"n": per.nombre}
    return _("Periodo «%(n)s»: %(e)s.") % {"n": per.nombre, "e": per.get_estado_display()}


def _avance(request, plan):
    p = request.POST
    periodo_id = _entero(p.get("periodo_id"), "periodo_id")
    fila_id = _entero(p.get("fila_id"), "fila_id")
    madurez = _entero(p["madurez"], "madurez") if p.get("madurez", "") != "" else None
    rev = services.avance_reportar(
        actor=request.user, plan_id=plan.pk, periodo_id=periodo_id, fila_id=fila_id,
        estado_implementacion=p.get("estado_implementacion") or None, madurez=madurez,
        comentario=p.get("comentario", ""), archivo=request.FILES.get("archivo"),
        titulo_evidencia=p.get("titulo_evidencia", ""))
    numero = rev.aplicabilidad.control.numero
    ev = getattr(rev, "evidencia_nueva", None)
    if ev is not None:
        return _("Avance del control %(c)s reportado, con la evidencia «%(t)s» (en revisión).") % {
            "c": numero, "t": ev.titulo}
    return _("Avance del control %(c)s reportado.") % {"c": numero}


def _revisiones(request, plan):
    from .. import selectors

    periodo_id = _entero(request.POST.get("periodo_id"), "periodo_id")
    per = selectors.periodo_obtener(plan=plan, periodo_id=periodo_id)
    ids = [int(x) for x in request.POST.getlist("revisiones") if x.isdigit()]
    revisiones = list(selectors.revisiones_de(periodo=per).filter(pk__in=ids))
    cambios, desconocidos = leer_revisiones(request.POST, revisiones)
    if desconocidos:
        raise ErrorValidacion(extra={"resultado": [
            _("Resultado no válido en: %(c)s.") % {"c": ", ".join(desconocidos)}]})
    if not cambios:
        return _("No hubo resultados nuevos que guardar.")
    services.controles_revisar(actor=request.user, plan_id=plan.pk, periodo_id=periodo_id,
                               revisiones=cambios)
    return _("Revisión guardada: %(n)d control(es) evaluado(s).") % {"n": len(cambios)}


# ---- findings -------------------------------------------------------------------------------

def _hallazgo_registrar(request, plan):
    d = _validar(HallazgoForm(request.POST, prefix="nuevo"))
    periodo_id = request.POST.get("periodo_id")
    h = services.hallazgo_registrar(
        actor=request.user, plan_id=plan.pk, grado=d["grado"], descripcion=d["descripcion"],
        periodo_id=_entero(periodo_id, "periodo_id") if periodo_id else None,
        control=d["control"] or None, causa_raiz=d["causa_raiz"],
        accion_correctiva=d["accion_correctiva"], responsable=d["responsable"],
        fecha_compromiso=d["fecha_compromiso"])
    return _("Hallazgo registrado (%(g)s).") % {"g": h.get_grado_display()}


def _hallazgo_actualizar(request, plan):
    """The entity sends what it may change (cause, action, owner, date); CGII may also
    regrade or reword. Only the fields present in the form are sent to the service, which
    refuses a field the user's role may not change."""
    hallazgo_id = _entero(request.POST.get("hallazgo_id"), "hallazgo_id")
    prefijo = f"h{hallazgo_id}"
    form = HallazgoForm(request.POST, prefix=prefijo)
    form.is_valid()
    enviados = [c for c in HallazgoForm.base_fields
                if c != "control" and f"{prefijo}-{c}" in request.POST]
    errores = {c: list(e) for c, e in form.errors.items() if c in enviados}
    if errores:
        raise ErrorValidacion(_("Revise los datos del hallazgo."), extra=errores)
    services.hallazgo_actualizar(actor=request.user, plan_id=plan.pk, hallazgo_id=hallazgo_id,
                                 **{c: form.cleaned_data[c] for c in enviados})
    return _("Hallazgo actualizado.")


def _hallazgo_cerrar(request, plan):
    services.hallazgo_cerrar(actor=request.user, plan_id=plan.pk,
                             hallazgo_id=_entero(request.POST.get("hallazgo_id"), "hallazgo_id"),
                             comentario=request.POST.get("comentario", ""))
    return _("Hallazgo cerrado.")


ACCIONES = {
    "transicion": (_transicion, "pisi:detalle"),
    "nueva_version": (_nueva_version, "pisi:detalle"),
    "soa_aplicar_pendientes": (_soa_aplicar_pendientes, "pisi:soa"),
    "actividad_crear": (_actividad_crear, "pisi:cronograma"),
    "actividad_editar": (_actividad_editar, "pisi:cronograma"),
    "actividad_eliminar": (_actividad_eliminar, "pisi:cronograma"),
    "evidencia": (_evidencia, "pisi:evidencias"),
    "evidencia_estado": (_evidencia_estado, "pisi:evidencias"),
    "evidencia_eliminar": (_evidencia_eliminar, "pisi:evidencias"),
    "periodo_abrir": (_periodo_abrir, "pisi:seguimiento"),
    "periodo_transicion": (_periodo_transicion, "pisi:seguimiento"),
    "avance": (_avance, "pisi:seguimiento"),
    "revisiones": (_revisiones, "pisi:seguimiento"),
    "hallazgo_registrar": (_hallazgo_registrar, "pisi:hallazgos"),
    "hallazgo_actualizar": (_hallazgo_actualizar, "pisi:hallazgos"),
    "hallazgo_cerrar": (_hallazgo_cerrar, "pisi:hallazgos"),
    **ACCIONES_RIESGO,
    **ACCIONES_REVISION,
    **ACCIONES_IMPORTACION,
    **ACCIONES_APROBACION,
}


@login_required
@require_POST
def accion(request, pk: int, nombre: str):
    if nombre not in ACCIONES:
        raise Http404
    plan = obtener_plan(request, pk)  # another entity's plan: 404 before anything is read
    funcion, pagina = ACCIONES[nombre]
    destino = volver(request, reverse(pagina, args=[plan.pk]))
    try:
        resultado = funcion(request, plan)
    except ErrorDominio as exc:
        # Includes NoEncontrado for what the form named inside this visible plan (a control,
        # an activity, a period): the user sees why, the plan itself was already checked.
        messages.error(request, texto_error(exc))
    except ValueError:
        messages.error(request, _("Datos no válidos."))
    else:
        if resultado.startswith("/"):
            return redirect(resultado)
        messages.success(request, resultado)
    return redirect(destino)
