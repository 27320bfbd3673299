"""Saved views (issue 18): the chips above the console's and the list's filters, each with
its live count, and the small endpoints that save, remove and re-count them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.errores import ErrorDominio, texto_error

from .. import selectores_consola
from ..models import VistaGuardada
from ..services import vistas as servicio
from .comun import quiere_json, solo_personal, volver
from .filtros import filtros_de


def vistas_de(usuario, pagina: str) -> list[VistaGuardada]:
    if not es_personal_cgii(usuario):
        return []
    return list(VistaGuardada.objects.filter(Q(usuario=usuario) | Q(usuario__isnull=True),
                                             pagina=pagina)
                .order_by("usuario_id", "orden", "nombre"))  # team views (NULL) last


def cuentas(usuario, vistas: list[VistaGuardada]) -> dict[int, int]:
    """Each view's matches through the same selector and filter parser as its page, capped
    at ``LIMITE_CUENTA_VISTA`` + 1, all in one statement (issue 22: one uncapped COUNT per
    view was a statement and ~1-5 ms apiece, growing with the queue)."""
    return selectores_consola.cuentas_acotadas(
        usuario, {v.pk: filtros_de(v.pagina, v.consulta, usuario) for v in vistas})


def texto_cuenta(n: int) -> str:
    """What a chip shows: the count, or «más de N» past the cap."""
    limite = selectores_consola.LIMITE_CUENTA_VISTA
    return str(n) if n <= limite else _("más de %(n)d") % {"n": limite}


def contexto_vistas(usuario, *, pagina: str) -> dict:
    vistas = vistas_de(usuario, pagina)
    numeros = cuentas(usuario, vistas)
    for v in vistas:
        v.cuenta = numeros[v.pk]
        v.cuenta_texto = texto_cuenta(v.cuenta)
        v.equipo = v.usuario_id is None
    return {"vistas": vistas, "vistas_pagina": pagina,
            "comparte_vistas": tiene_rol_cgii(usuario, "coordinador", "administrador")}


@login_required
@require_GET
@solo_personal
def vistas_cuentas(request):
    """``?pagina=consola`` → ``{"cuentas": {"<id>": n}, "textos": {"<id>": "n"}}`` (the console re-reads it on live
    events, at most every few seconds)."""
    pagina = request.GET.get("pagina") if request.GET.get("pagina") == "lista" else "consola"
    numeros = cuentas(request.user, vistas_de(request.user, pagina))
    # ``textos``: what each chip shows («más de 1000» past the cap); ``cuentas`` stay numbers.
    return JsonResponse({"cuentas": {str(k): v for k, v in numeros.items()},
                         "textos": {str(k): texto_cuenta(v) for k, v in numeros.items()}})


def _responder(request, texto: str, *, ok: bool, status: int = 200):
    if quiere_json(request):
        return JsonResponse({"ok": ok, "mensaje": texto}, status=status)
    (messages.success if ok else messages.error)(request, texto)
    return redirect(volver(request) or "incidentes:consola")


@login_required
@require_POST
def vista_guardar(request):
    p = request.POST
    try:
        vista = servicio.vista_guardar(actor=request.user, nombre=p.get("nombre", ""),
                                       pagina=p.get("pagina", ""), consulta=p.get("consulta", ""),
                                       compartida=p.get("compartida") == "1")
    except ErrorDominio as exc:
        return _responder(request, texto_error(exc), ok=False, status=exc.status)
    return _responder(request, _("Vista «%(n)s» guardada.") % {"n": vista.nombre}, ok=True)


@login_required
@require_POST
def vista_borrar(request, pk: int):
    try:
        servicio.vista_borrar(actor=request.user, vista_id=pk)
    except ErrorDominio as exc:
        return _responder(request, texto_error(exc), ok=False, status=exc.status)
    return _responder(request, _("Vista quitada."), ok=True)
