"""Ciudadanía Digital login pages: start, provider callback, TOTP step, logout.

Thin: the rules are in ``autenticacion`` (linking, second factor, audit)."""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from cgii.entidades.forms import FormularioCodigo
from cgii.entidades.segundo_factor import verificar_codigo
from cgii.entidades.views import _contar_fallo, _destino

from . import autenticacion as cd

SESION_DESTINO = "_cgii_cd_next"
SESION_ID_TOKEN = "_cgii_cd_id_token"
SESION_PENDIENTE = "_cgii_cd_pendiente"
VIGENCIA_PENDIENTE = 5 * 60
BACKEND = "cgii.entidades.backend.BackendUsuarios"


def _exigir_configurada():
    if not cd.configurada():
        raise Http404


@require_GET
@never_cache
def ingresar(request):
    _exigir_configurada()
    request.session[SESION_DESTINO] = _destino(request)
    try:
        return cd.redirigir_al_proveedor(
            request, retorno=request.build_absolute_uri(reverse("ciudadania:retorno")))
    except cd.IngresoRechazado as exc:
        messages.error(request, exc.message)
        return redirect("entidades:login")


def _rechazar(request, exc: cd.IngresoRechazado, usuario=None, identidad=None):
    cd.registrar(usuario=usuario, identidad=identidad, resultado=exc.motivo)
    messages.error(request, exc.message if exc.message != str(exc.mensaje_por_defecto)
                   else _("No se pudo ingresar con Ciudadanía Digital."))
    return redirect("entidades:login")


@require_GET
@never_cache
def retorno(request):
    """The provider's redirect back (``code`` + ``state``, or ``error``)."""
    _exigir_configurada()
    destino = request.session.get(SESION_DESTINO) or settings.LOGIN_REDIRECT_URL
    identidad = usuario = None
    try:
        identidad = cd.identidad_del_retorno(request)
        usuario = cd.usuario_de(identidad)
        decision = cd.decidir(usuario, identidad)
    except cd.IngresoRechazado as exc:
        return _rechazar(request, exc, usuario, identidad)
    if decision == "totp":
        request.session.cycle_key()
        request.session[SESION_PENDIENTE] = {
            "usuario": usuario.pk, "huella": usuario.get_session_auth_hash(),
            "hasta": time.time() + VIGENCIA_PENDIENTE, "next": destino,
            "id_token": identidad.id_token}
        return redirect("ciudadania:codigo")
    auth_login(request, usuario, backend=BACKEND)
    if decision == "verificado":
        otp_login(request, cd.dispositivo_de(usuario))
    request.session[SESION_ID_TOKEN] = identidad.id_token
    cd.registrar(usuario=usuario, identidad=identidad, resultado=decision)
    return redirect(destino)


def _pendiente(request):
    datos = request.session.get(SESION_PENDIENTE)
    if not datos or datos["hasta"] < time.time():
        return None, None
    usuario = get_user_model().objects.filter(pk=datos["usuario"], is_active=True).first()
    if usuario is None or usuario.get_session_auth_hash() != datos["huella"]:
        return None, None
    return usuario, datos


@sensitive_post_parameters("codigo")
@csrf_protect
@never_cache
def codigo(request):
    """Staff whose Ciudadanía Digital login carried no second factor type their TOTP code."""
    usuario, datos = _pendiente(request)
    if usuario is None:
        request.session.pop(SESION_PENDIENTE, None)
        return redirect("entidades:login")
    credenciales = {"username": usuario.get_username()}
    if not AxesProxyHandler.is_allowed(request, credenciales):
        return get_lockout_response(request, None, credenciales)
    form = FormularioCodigo(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dispositivo = verificar_codigo(usuario, form.cleaned_data["codigo"])
        if dispositivo is None:
            _contar_fallo(request, usuario.get_username())
            form.add_error("codigo", _("El código de verificación no es válido."))
        else:
            del request.session[SESION_PENDIENTE]
            auth_login(request, usuario, backend=BACKEND)
            otp_login(request, dispositivo)
            request.session[SESION_ID_TOKEN] = datos["id_token"]
            cd.registrar(usuario=usuario, identidad=None, resultado="totp")
            return redirect(datos["next"])
    return render(request, "ciudadania/codigo.html", {"form": form, "usuario_pendiente": usuario})


@require_POST
@csrf_protect
def salir(request):
    """Local logout, then the provider's (RP-initiated logout) when this session came from
    Ciudadanía Digital and the provider publishes an ``end_session_endpoint``."""
    id_token = request.session.get(SESION_ID_TOKEN)
    logout(request)
    url = None
    if id_token and cd.configurada():
        url = cd.url_cierre(id_token=id_token,
                            retorno=request.build_absolute_uri(reverse("entidades:login")))
    return redirect(url or "entidades:login")
