"""Where the entity works on its plan: the Statement of Applicability grid (filterable,
saved in one batch), the implementation schedule and the evidence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from cgii import archivos
from cgii.errores import ErrorDominio, NoEncontrado

from .. import selectors, services
from ..cargador_nacional import NACIONAL
from ..forms import APLICA, ESTADOS_IMPL, MADUREZ, ActividadForm, EvidenciaForm, leer_soa
from ..models import EstadoEvidencia, EstadoImplementacion, TipoEvidencia
from .comun import contexto_plan, obtener_plan, texto_error

FILTRO_APLICA = (("si", gettext_lazy("Aplica")), ("no", gettext_lazy("No aplica")),
                 ("pendiente", gettext_lazy("Sin decidir")))


def _filtros_soa(q) -> tuple[selectors.FiltrosSoA, dict]:
    activos = {}
    if q.get("dominio", "").strip():
        activos["dominio"] = q["dominio"].strip()[:10]
    if q.get("estado") in EstadoImplementacion.values:
        activos["estado"] = q["estado"]
    if q.get("aplica") in ("si", "no", "pendiente"):
        activos["aplica"] = q["aplica"]
    if q.get("q", "").strip():
        activos["q"] = q["q"].strip()[:60]
    filtros = selectors.FiltrosSoA(
        dominio=activos.get("dominio"), estado=activos.get("estado"),
        aplica={"si": True, "no": False}.get(activos.get("aplica")),
        pendientes=activos.get("aplica") == "pendiente", texto=activos.get("q"))
    return filtros, activos


def _valores(fila) -> dict:
    return {"aplica": {True: "si", False: "no"}.get(fila.aplica, ""),
            "justificacion": fila.justificacion,
            "estado_implementacion": fila.estado_implementacion, "madurez": str(fila.madurez),
            "responsable": fila.responsable,
            "fecha_objetivo": fila.fecha_objetivo.isoformat() if fila.fecha_objetivo else ""}


@login_required
@require_http_methods(["GET", "POST"])
def soa(request, pk: int):
    """The Statement of Applicability: one row per control of the plan's catalog, grouped by
    domain/theme, filterable; the entity saves every shown row in one batch."""
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "soa")
    filtros, activos = _filtros_soa(request.GET)
    valores, errores = {}, {}
    filas = None
    if request.method == "POST":
        if not contexto["escribe_entidad"]:
            messages.error(request, _("Solo el RSI o la MAE de la entidad actualizan la "
                                      "declaración de aplicabilidad."))
            return HttpResponseRedirect(request.get_full_path())
        ids = [int(x) for x in request.POST.getlist("filas") if x.isdigit()]
        filas = list(selectors.soa_de(plan=plan).filter(pk__in=ids))
        cambios, errores, valores = leer_soa(request.POST, filas,
                                             planificacion=contexto["edita_contenido"])
        if errores:
            messages.error(request, ngettext(
                "Revise el control marcado: no se guardó nada.",
                "Revise los %(n)d controles marcados: no se guardó nada.",
                len(errores)) % {"n": len(errores)})
        elif not cambios:
            messages.info(request, _("No hubo cambios que guardar."))
            return HttpResponseRedirect(request.get_full_path())
        else:
            try:
                services.soa_actualizar_lote(actor=request.user, plan_id=plan.pk,
                                             cambios=cambios)
            except ErrorDominio as exc:
                messages.error(request, texto_error(exc))
                numero = (exc.extra or {}).get("control")
                for f in filas:
                    if f.control.numero == numero:
                        errores[f.pk] = ["justificacion"]
            else:
                messages.success(request, ngettext(
                    "Declaración de aplicabilidad guardada: %(n)d control actualizado.",
                    "Declaración de aplicabilidad guardada: %(n)d controles actualizados.",
                    len(cambios)) % {"n": len(cambios)})
                return HttpResponseRedirect(request.get_full_path())
    if filas is None:
        filas = list(selectors.soa_de(plan=plan, filtros=filtros))
    vista = [{"f": f, "v": valores.get(f.pk) or _valores(f), "err": errores.get(f.pk, [])}
             for f in filas]
    contexto.update({
        "filas": vista, "filtros": activos, "hay_filtros": bool(activos),
        "resumen": selectors.soa_resumen(plan=plan),
        "dominios": plan.catalogo.dominios.order_by("orden"),
        "estados_impl": ESTADOS_IMPL, "opciones_aplica": APLICA, "madurez": MADUREZ,
        "filtro_aplica": FILTRO_APLICA,
        "es_2013": not plan.catalogo.codigo.endswith("2022"),
        "es_nacional": plan.catalogo.codigo == NACIONAL,
        "con_errores": bool(errores),
    })
    return render(request, "planes_seguridad/plan/soa.html", contexto)


# ---- schedule -----------------------------------------------------------------------------

def _inicial_actividad(a) -> dict:
    return {"titulo": a.titulo, "descripcion": a.descripcion, "responsable": a.responsable,
            "inicio_planificado": a.inicio_planificado, "fin_planificado": a.fin_planificado,
            "inicio_real": a.inicio_real, "fin_real": a.fin_real, "avance": a.avance,
            "controles": ", ".join(c.control.numero for c in a.controles.all())}


@login_required
@require_GET
def cronograma(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "cronograma")
    solo_atrasadas = request.GET.get("atrasadas") == "1"
    actividades = list(selectors.actividades_de(plan=plan,
                                                atrasadas=True if solo_atrasadas else None))
    for a in actividades:
        a.form = ActividadForm(prefix=f"act{a.pk}", initial=_inicial_actividad(a))
        a.numeros = [c.control.numero for c in a.controles.all()]
    todas = actividades if not solo_atrasadas else list(selectors.actividades_de(plan=plan))
    contexto.update({
        "actividades": actividades, "solo_atrasadas": solo_atrasadas,
        "total": len(todas), "atrasadas": sum(1 for a in todas if a.atrasada),
        "terminadas": sum(1 for a in todas if a.avance == 100),
        "avance_promedio": round(sum(a.avance for a in todas) / len(todas)) if todas else 0,
        "nueva": ActividadForm(prefix="nueva"),
    })
    return render(request, "planes_seguridad/plan/cronograma.html", contexto)


# ---- evidence -------------------------------------------------------------------------------

@login_required
@require_GET
def evidencias(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "evidencias")
    estado = request.GET.get("estado") if request.GET.get("estado") in EstadoEvidencia.values \
        else None
    control = request.GET.get("control", "").strip()[:20] or None
    contexto.update({
        "evidencias": list(selectors.evidencias_de(plan=plan, estado=estado, control=control)),
        "filtro_estado": estado or "", "filtro_control": control or "",
        "estados": EstadoEvidencia.choices, "form": EvidenciaForm(),
        "numeros": list(plan.soa.order_by("control__orden")
                        .values_list("control__numero", "control__titulo")),
        "opciones_actividad": list(plan.actividades.order_by("inicio_planificado", "id")
                                   .values_list("id", "titulo")),
        "tipos": TipoEvidencia,
    })
    return render(request, "planes_seguridad/plan/evidencias.html", contexto)


@login_required
@require_GET
def evidencia_descarga(request, pk: int, evidencia_id: int):
    try:
        ev = selectors.evidencia_obtener(usuario=request.user, plan_id=pk,
                                         evidencia_id=evidencia_id)
        if ev.tipo != TipoEvidencia.ARCHIVO:
            raise NoEncontrado()
        return archivos.respuesta_descarga(ruta=ev.ruta, nombre=ev.nombre,
                                           tipo_mime=ev.tipo_mime)
    except NoEncontrado:
        raise Http404 from None
