"""The triage queue of e-mails ("correo sin entidad") and one e-mail, for CGII staff:
convert into an incident of a chosen entity, or discard with a reason (both audited)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cgii import archivos
from cgii.entidades.selectors import entidades_visibles, es_personal_cgii, tiene_rol_cgii
from cgii.errores import ErrorDominio, NoEncontrado, PermisoDenegado, texto_error

from ..indicadores.normalizacion import TipoIndicador
from ..models import TLP
from ..services.comun import ROLES_GESTION
from . import selectors, services


def _menu(usuario) -> dict:
    return {"personal": True, "puede_reportar": tiene_rol_cgii(usuario, *ROLES_GESTION)}


def _solo_personal(usuario) -> None:
    if not es_personal_cgii(usuario):
        raise Http404  # an entity user never learns the queue exists


@login_required
@require_GET
def triaje(request):
    _solo_personal(request.user)
    filtro = request.GET.get("ver", "pendientes")
    pagina = Paginator(selectors.cola_triaje(usuario=request.user, filtro=filtro), 50).get_page(
        request.GET.get("page"))
    return render(request, "correo/triaje.html", {
        **_menu(request.user), "pagina": pagina, "filtro": filtro, "consulta": urlencode({"ver": filtro}),
        "pendientes": selectors.pendientes_de_triaje(usuario=request.user)})


@login_required
@require_GET
def detalle(request, pk: int):
    _solo_personal(request.user)
    try:
        correo = selectors.correo_obtener(usuario=request.user, correo_id=pk)
    except (NoEncontrado, PermisoDenegado):
        raise Http404 from None
    tipos = dict(TipoIndicador.choices)
    for c in correo.candidatos:
        c["tipo_texto"] = tipos.get(c["tipo"], c["tipo"])
    return render(request, "correo/detalle.html", {
        **_menu(request.user), "correo": correo,
        "gestiona": tiene_rol_cgii(request.user, *ROLES_GESTION),
        "entidades": entidades_visibles(request.user).filter(activa=True).order_by("nombre"),
        "tlps": TLP.choices})


@login_required
@require_POST
def convertir(request, pk: int):
    _solo_personal(request.user)
    try:
        incidente = services.correo_convertir(
            actor=request.user, correo_id=pk, entidad_id=request.POST.get("entidad", ""),
            titulo=request.POST.get("titulo", ""), tlp=request.POST.get("tlp") or TLP.AMBER)
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as exc:
        messages.error(request, texto_error(exc))
        return redirect("correo:detalle", pk=pk)
    messages.success(request, _("Se creó el incidente %(c)s a partir del correo.")
                     % {"c": incidente.codigo})
    return redirect("incidentes:detalle", pk=incidente.pk)


@login_required
@require_POST
def descartar(request, pk: int):
    _solo_personal(request.user)
    try:
        services.correo_descartar(actor=request.user, correo_id=pk,
                                  motivo=request.POST.get("motivo", ""))
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as exc:
        messages.error(request, texto_error(exc))
        return redirect("correo:detalle", pk=pk)
    messages.success(request, _("Correo descartado."))
    return redirect("correo:triaje")


@login_required
@require_GET
def original(request, pk: int):
    """The raw message (.eml), downloaded: never rendered by the browser."""
    _solo_personal(request.user)
    try:
        correo = selectors.correo_obtener(usuario=request.user, correo_id=pk)
    except (NoEncontrado, PermisoDenegado):
        raise Http404 from None
    if not correo.ruta_eml:
        raise Http404
    try:
        return archivos.respuesta_descarga(ruta=correo.ruta_eml, nombre=f"correo-{pk}.eml",
                                           tipo_mime="message/rfc822")
    except NoEncontrado:
        raise Http404 from None
