"""XLSX exchange from the pages: the import page (template, export, upload, and the per-row
error report of the last refused import), the downloads, and the upload action (dispatched
by ``acciones.accion`` like every write: one service, post/redirect/get)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cgii.errores import ErrorValidacion

from .. import exportacion, services
from ..api.importacion import respuesta_xlsx
from .comun import contexto_plan, obtener_plan

SESION = "pisi_importacion"
MAX_ERRORES_SESION = 500


@login_required
@require_GET
def importar(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "importar")
    informe = request.session.pop(SESION, None)
    if informe and informe.get("plan") != plan.pk:
        informe = None
    contexto.update({"informe": informe})
    return render(request, "planes_seguridad/plan/importar.html", contexto)


@login_required
@require_GET
def exportar(request, pk: int) -> HttpResponse:
    obtener_plan(request, pk)  # another entity's plan: 404
    nombre, contenido = exportacion.libro_del_plan(usuario=request.user, plan_id=pk)
    return respuesta_xlsx(nombre, contenido)


@login_required
@require_GET
def plantilla(request) -> HttpResponse:
    return respuesta_xlsx("plantilla-PISI.xlsx", exportacion.plantilla())


def _importar(request, plan):
    archivo = request.FILES.get("archivo")
    if archivo is None:
        raise ErrorValidacion(extra={"archivo": [_("Elija el archivo XLSX.")]})
    try:
        resumen = services.plan_importar_xlsx(actor=request.user, plan_id=plan.pk,
                                              archivo=archivo)
    except ErrorValidacion as exc:
        filas = (exc.extra or {}).get("filas")
        if filas is None:
            raise
        # The report is shown once on the import page (post/redirect/get).
        request.session[SESION] = {"plan": plan.pk, "archivo": archivo.name,
                                   "errores": filas[:MAX_ERRORES_SESION], "total": len(filas)}
        raise ErrorValidacion(exc.message) from None
    return _("Plan importado: %(a)d activos, %(r)d riesgos, %(c)d controles cambiados, "
             "%(t)d actividades, %(e)d elementos eliminados.") % {
        "a": resumen["activos"], "r": resumen["riesgos"], "c": resumen["controles"],
        "t": resumen["actividades"], "e": resumen["eliminados"]}


ACCIONES = {"importar": (_importar, "pisi:importar")}
