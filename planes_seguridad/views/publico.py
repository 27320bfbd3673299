"""Downloads (the PDF summary, the policy and resolution documents) and the public
verification page of a conformity code."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cgii import archivos
from cgii.errores import NoEncontrado

from .. import pdf, selectors
from .comun import obtener_plan


@login_required
@require_GET
def resumen_pdf(request, pk: int):
    """The PISI summary of a plan that got conformity: its entity and CGII staff (whoever
    may see the plan) download it; it is regenerated if the stored file is missing."""
    plan = obtener_plan(request, pk)
    if not plan.codigo_verificacion:
        raise Http404
    try:
        ruta = pdf.asegurar_resumen(plan)
        return archivos.respuesta_descarga(
            ruta=ruta, nombre=f"{plan.codigo_verificacion}.pdf", tipo_mime="application/pdf")
    except NoEncontrado:
        raise Http404 from None


@login_required
@require_GET
def documento(request, pk: int, tipo: str):
    try:
        doc = selectors.documento_plan(usuario=request.user, plan_id=pk, tipo=tipo)
        return archivos.respuesta_descarga(ruta=doc["ruta"], nombre=doc["nombre"],
                                           tipo_mime=doc["tipo_mime"])
    except NoEncontrado:
        raise Http404 from None


@require_GET
def verificar_inicio(request):
    """Public: a box to type a conformity code (the QR code and the resolution lead to
    /verificar/<code>/ directly); ``?codigo=`` goes there."""
    from django.shortcuts import redirect

    codigo = "".join(request.GET.get("codigo", "").split())[:60]
    if codigo:
        return redirect("pisi_verificar", codigo=codigo)
    return render(request, "planes_seguridad/verificar_inicio.html",
                  {"vacio": "codigo" in request.GET})


@require_GET
def verificar(request, codigo: str):
    """Public (no login): does this code belong to a plan that got CGII conformity? Shows
    the entity, gestión, version, state, conformity date and whether it is the current
    version — nothing else. An unknown code is a friendly 404."""
    datos = selectors.verificacion_publica(codigo)
    if datos is None:
        return render(request, "planes_seguridad/verificar_desconocido.html",
                      {"codigo": codigo[:60]}, status=404)
    conforme_en = datos["conforme_en"]
    aprobacion = datos["aprobacion"]
    if aprobacion:
        aprobacion = {**aprobacion, "aprobado_en": timezone.localtime(aprobacion["aprobado_en"])}
    return render(request, "planes_seguridad/verificar.html", {
        "aprobacion": aprobacion,
        "v": {k: datos[k] for k in ("codigo", "entidad", "sigla", "gestion", "version",
                                    "estado", "estado_display", "es_version_actual")},
        "conforme_en": timezone.localtime(conforme_en) if conforme_en else None,
    })
