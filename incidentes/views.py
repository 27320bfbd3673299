"""HTML pages: thin views over the same services and selectors as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cgii import archivos
from cgii.entidades.selectors import entidades_visibles, es_personal_cgii
from cgii.errores import ErrorDominio, NoEncontrado
from protocolos import selectors as protocolos

from . import selectors, services, sla
from .forms import ClasificacionForm, ReporteForm
from .models import EstadoTarea, Nivel
from .states import Estado


def _texto_error(exc: ErrorDominio) -> str:
    detalles = []
    for campo, errores in (exc.extra or {}).items():
        if isinstance(errores, list | tuple):
            detalles.extend(str(e) for e in errores)
        elif campo == "condiciones":
            continue
    return " ".join([exc.message, *detalles])


@login_required
@require_GET
def lista(request):
    q = request.GET
    filtros = selectors.Filtros(
        estado=[e for e in q.getlist("estado") if e] or None,
        prioridad=[p for p in q.getlist("prioridad") if p] or None,
        sin_asignar=q.get("sin_asignar") == "1", mios=q.get("mios") == "1",
        abiertos=q.get("abiertos") == "1", estado_sla=q.get("estado_sla") or None,
        texto=q.get("q") or None, orden=q.get("orden", "urgencia"),
    )
    pagina = Paginator(selectors.incidentes_lista(usuario=request.user, filtros=filtros), 50)
    return render(request, "incidentes/lista.html", {
        "pagina": pagina.get_page(q.get("page")), "personal": es_personal_cgii(request.user),
        "estados": Estado.choices, "filtros": filtros,
    })


@login_required
@require_http_methods(["GET", "POST"])
def reportar(request):
    personal = es_personal_cgii(request.user)
    entidades = entidades_visibles(request.user).filter(activa=True)
    if not entidades.exists():
        raise Http404
    form = ReporteForm(request.POST or None, request.FILES or None, entidades=entidades,
                       personal=personal)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            incidente = services.incidente_reportar(
                actor=request.user, entidad=d["entidad"], titulo=d["titulo"],
                descripcion=d["descripcion"], detectado_en=d["detectado_en"],
                ocurrido_en=d.get("ocurrido_en"), activos_afectados=d["activos_afectados"],
                tlp=d["tlp"], origen=d.get("origen") or "entidad",
                origen_detalle=d.get("origen_detalle", ""), adjuntos=tuple(d["evidencias"]),
            )
        except ErrorDominio as exc:
            messages.error(request, _texto_error(exc))
        else:
            messages.success(request, _("Incidente %(c)s reportado.") % {"c": incidente.codigo})
            return redirect("incidentes:detalle", pk=incidente.pk)
    return render(request, "incidentes/reportar.html", {"form": form})


@login_required
@require_GET
def detalle(request, pk: int):
    try:
        incidente = selectors.incidente_detalle(usuario=request.user, incidente_id=pk)
    except NoEncontrado:
        raise Http404 from None
    personal = es_personal_cgii(request.user)
    tareas = incidente._tareas_cache
    contexto = {
        "incidente": incidente,
        "personal": personal,
        "relojes": sla.figuras_de([incidente.pk], ahora=timezone.now()).get(incidente.pk, []),
        "transiciones": selectors.transiciones_para(usuario=request.user, incidente=incidente),
        "tareas": tareas,
        "progreso": _progreso(tareas),
        "timeline": selectors.timeline_de(usuario=request.user, incidente=incidente),
        "evidencias": selectors.evidencias_de(usuario=request.user, incidente=incidente),
        "estados_tarea": EstadoTarea.choices,
        "niveles": Nivel.choices,
        "fases": [(e.value, e.label) for e in FASES],
    }
    if personal:
        contexto["form_clasificacion"] = ClasificacionForm(
            tipos=protocolos.opciones_tipos(),
            initial={"tipo": incidente.tipo.codigo if incidente.tipo_id else None,
                     "impacto": incidente.impacto, "urgencia": incidente.urgencia})
    return render(request, "incidentes/detalle.html", contexto)


FASES = (Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS, Estado.EN_CONTENCION,
         Estado.EN_ERRADICACION, Estado.EN_RECUPERACION, Estado.RESUELTO, Estado.CERRADO)


def _progreso(tareas) -> dict:
    obligatorias = [t for t in tareas if t.obligatoria]
    hechas = sum(1 for t in obligatorias if t.cumplida)
    total = len(obligatorias)
    return {"hechas": hechas, "total": total, "pct": round(100 * hechas / total) if total else 0}


def _accion_transicion(request, pk):
    p = request.POST
    datos = {k: p[k] for k in ("motivo_rechazo", "resumen_cierre", "lecciones_aprendidas")
             if p.get(k)}
    if p.get("maestro_id"):
        datos["maestro_id"] = p["maestro_id"]
    if p.get("controles_fallidos"):
        datos["controles_fallidos"] = [c.strip() for c in p["controles_fallidos"].split(",")
                                       if c.strip()]
    services.incidente_transicionar(actor=request.user, incidente_id=pk,
                                    transicion=p.get("transicion", ""),
                                    comentario=p.get("comentario", ""), datos=datos)


def _accion_clasificar(request, pk):
    form = ClasificacionForm(request.POST, tipos=protocolos.opciones_tipos())
    if not form.is_valid():
        raise ErrorDominio(_("Revise la clasificación."),
                           extra={k: list(v) for k, v in form.errors.items()})
    d = form.cleaned_data
    services.incidente_clasificar(actor=request.user, incidente_id=pk, tipo_codigo=d["tipo"],
                                  impacto=d["impacto"], urgencia=d["urgencia"],
                                  prioridad=d["prioridad"] or None,
                                  motivo_prioridad=d["motivo_prioridad"])


def _accion_tomar(request, pk):
    services.incidente_asignar(actor=request.user, incidente_id=pk, analista_id=request.user.pk)


def _accion_mensaje(request, pk):
    services.incidente_comentar(actor=request.user, incidente_id=pk,
                                texto=request.POST.get("texto", ""),
                                compartido=request.POST.get("compartido") == "1")


def _accion_solicitar(request, pk):
    services.incidente_solicitar_info(actor=request.user, incidente_id=pk,
                                      pregunta=request.POST.get("pregunta", ""))


def _accion_responder(request, pk):
    services.incidente_responder(actor=request.user, incidente_id=pk,
                                 respuesta=request.POST.get("respuesta", ""))


def _accion_confirmar(request, pk):
    services.incidente_confirmar_resolucion(actor=request.user, incidente_id=pk)


def _accion_tarea(request, pk):
    p = request.POST
    services.tarea_actualizar(actor=request.user, incidente_id=pk,
                              tarea_id=int(p.get("tarea_id", 0)), estado=p.get("estado") or None,
                              nota=p.get("nota"),
                              evidencia_id=int(p["evidencia_id"]) if p.get("evidencia_id") else None)


def _accion_evidencia(request, pk):
    archivo = request.FILES.get("archivo")
    if archivo is None:
        raise ErrorDominio(_("Seleccione un archivo."))
    services.evidencia_subir(actor=request.user, incidente_id=pk, archivo=archivo,
                             descripcion=request.POST.get("descripcion", ""),
                             visible_entidad=request.POST.get("interna") != "1")


ACCIONES = {
    "transicion": _accion_transicion,
    "clasificar": _accion_clasificar,
    "tomar": _accion_tomar,
    "mensaje": _accion_mensaje,
    "solicitar": _accion_solicitar,
    "responder": _accion_responder,
    "confirmar": _accion_confirmar,
    "tarea": _accion_tarea,
    "evidencia": _accion_evidencia,
}


@login_required
@require_POST
def accion(request, pk: int, nombre: str):
    funcion = ACCIONES.get(nombre)
    if funcion is None:
        raise Http404
    try:
        funcion(request, pk)
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as exc:
        messages.error(request, _texto_error(exc))
    except ValueError:
        messages.error(request, _("Datos no válidos."))
    else:
        messages.success(request, _("Hecho."))
    return redirect("incidentes:detalle", pk=pk)


@login_required
@require_GET
def descargar_evidencia(request, pk: int, evidencia_id: int):
    try:
        ev = selectors.evidencia_obtener(usuario=request.user, incidente_id=pk,
                                         evidencia_id=evidencia_id)
        return archivos.respuesta_descarga(ruta=ev.ruta, nombre=ev.nombre, tipo_mime=ev.tipo_mime)
    except NoEncontrado:
        raise Http404 from None
