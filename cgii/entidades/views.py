"""Login (password + TOTP for staff), first-time TOTP enrolment, logout."""

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cgii.errores import ErrorDominio, ErrorValidacion, TransicionInvalida

from .forms import FormularioCodigo, FormularioIngreso, FormularioToken
from .models import AlcanceToken, TokenAPI
from .segundo_factor import qr_svg, secreto_base32, tiene_dispositivo, verificar_codigo
from .selectors import es_personal_cgii, membresias_activas, requiere_segundo_factor, tokens_de
from .services import (
    PREFIJO_CLAVE,
    sesion_verificada,
    token_crear,
    token_revocar,
    totp_confirmar,
    totp_iniciar_enrolamiento,
)

# Password accepted, TOTP device still to be set up: the user is *not* logged in meanwhile.
SESION_ENROLAMIENTO = "_cgii_enrolamiento"
VIGENCIA_ENROLAMIENTO = 10 * 60


def _mensaje_rechazo() -> str:
    # One message for a wrong password and a wrong code: no hint of which one failed.
    return _("Usuario, contraseña o código de verificación incorrectos.")


def _destino(request) -> str:
    """Where to go after signing in: a path of this site only. Anything else ("abc", a
    URL of another host) → the home page. A bare word used to reach ``redirect()``, which
    takes it for a view name (NoReverseMatch: a crafted link blocked sign-in, issue 16)."""
    destino = request.POST.get("next") or request.GET.get("next") or ""
    if destino.startswith("/") and url_has_allowed_host_and_scheme(
            destino, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return destino
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _contar_fallo(request, username: str) -> None:
    """A refused second factor is a failed login too, so axes locks it out like a password."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


@sensitive_post_parameters("password", "codigo")
@csrf_protect
@never_cache
def ingresar(request):
    destino = _destino(request)
    usuario = request.user
    if usuario.is_authenticated and (
        not requiere_segundo_factor(usuario) or usuario.is_verified()
    ):
        return redirect(destino)
    form = FormularioIngreso(request.POST or None)
    if request.method == "POST" and form.is_valid():
        respuesta = _procesar_ingreso(request, form, destino)
        if respuesta is not None:
            return respuesta
    # When axes has just locked the client out, AxesMiddleware swaps this for the lockout page.
    return render(request, "entidades/ingresar.html", {
        "form": form, "next": destino,
        # The "Ingresar con Ciudadanía Digital" button, only when a provider is configured.
        "ciudadania": bool(settings.CIUDADANIA_PROVEEDOR_URL and settings.CIUDADANIA_CLIENT_ID),
    })


def _procesar_ingreso(request, form: FormularioIngreso, destino: str):
    datos = form.cleaned_data
    usuario = authenticate(request=request, username=datos["username"],
                           password=datos["password"])
    if usuario is None:
        form.add_error(None, _mensaje_rechazo())
        return None
    if not requiere_segundo_factor(usuario):
        auth_login(request, usuario)
        return redirect(destino)
    if not tiene_dispositivo(usuario):
        request.session.cycle_key()
        request.session[SESION_ENROLAMIENTO] = {
            "usuario": usuario.pk, "backend": usuario.backend,
            "huella": usuario.get_session_auth_hash(), "hasta": time.time() + VIGENCIA_ENROLAMIENTO,
            "next": destino, "dispositivo": None,
        }
        return redirect("entidades:enrolar")
    dispositivo = verificar_codigo(usuario, datos["codigo"]) if datos["codigo"] else None
    if dispositivo is None:
        _contar_fallo(request, datos["username"])
        form.add_error(None, _mensaje_rechazo())
        return None
    auth_login(request, usuario)
    otp_login(request, dispositivo)
    return redirect(destino)


def _enrolamiento_pendiente(request):
    datos = request.session.get(SESION_ENROLAMIENTO)
    if not datos or datos["hasta"] < time.time():
        return None, None
    usuario = get_user_model().objects.filter(pk=datos["usuario"], is_active=True).first()
    # A password changed since the first step voids it, as it would void a session.
    if usuario is None or not constant_time_compare(usuario.get_session_auth_hash(),
                                                    datos["huella"]):
        return None, None
    return usuario, datos


@sensitive_post_parameters("codigo")
@csrf_protect
@never_cache
def enrolar(request):
    usuario, datos = _enrolamiento_pendiente(request)
    if usuario is None or tiene_dispositivo(usuario):
        request.session.pop(SESION_ENROLAMIENTO, None)
        messages.info(request, _("Ingrese con su usuario y contraseña para continuar."))
        return redirect("entidades:login")
    credenciales = {"username": usuario.get_username()}
    if not AxesProxyHandler.is_allowed(request, credenciales):
        return get_lockout_response(request, None, credenciales)

    dispositivo = TOTPDevice.objects.filter(
        pk=datos["dispositivo"], user=usuario, confirmed=False
    ).first() if datos["dispositivo"] else None
    if dispositivo is None:
        dispositivo = totp_iniciar_enrolamiento(usuario=usuario)
        datos["dispositivo"] = dispositivo.pk
        request.session[SESION_ENROLAMIENTO] = datos

    form = FormularioCodigo(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_confirmar(dispositivo=dispositivo, codigo=form.cleaned_data["codigo"])
        except TransicionInvalida:
            request.session.pop(SESION_ENROLAMIENTO, None)
            return redirect("entidades:login")
        except ErrorValidacion:
            _contar_fallo(request, usuario.get_username())
            form.add_error("codigo", _("El código de verificación no es válido."))
        else:
            del request.session[SESION_ENROLAMIENTO]
            auth_login(request, usuario, backend=datos["backend"])
            otp_login(request, dispositivo)
            messages.success(request, _("Verificación en dos pasos configurada."))
            return redirect(datos["next"])

    contexto = {
        "form": form,
        "secreto": secreto_base32(dispositivo),
        "qr": qr_svg(dispositivo.config_url),
        "usuario_pendiente": usuario,
    }
    return render(request, "entidades/enrolar.html", contexto)


salir = auth_views.LogoutView.as_view()


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def cuenta(request):
    """The user's account page: their API tokens (scope, expiry, last use), a form to
    create one — its key is shown in this response only, never stored — and revocation."""
    usuario = request.user
    entidades = [] if es_personal_cgii(usuario) else sorted(
        {m.entidad_id: m.entidad for m in membresias_activas(usuario)}.values(),
        key=lambda e: e.sigla)
    form = FormularioToken(
        request.POST if request.POST.get("accion") == "crear" else None, entidades=entidades,
        alcances=AlcanceToken.choices, dias_defecto=settings.TOKENS_API_DIAS,
        dias_maximo=settings.TOKENS_API_DIAS_MAXIMO)
    creado = None
    if request.method == "POST" and request.POST.get("accion") == "revocar":
        try:
            token = tokens_de(usuario).get(pk=int(request.POST.get("token", "")))
        except (ValueError, TokenAPI.DoesNotExist):
            raise Http404 from None
        token_revocar(token=token, actor=usuario)
        messages.success(request, _("Token %(p)s… revocado.") % {
            "p": PREFIJO_CLAVE + token.prefijo})
        return redirect("entidades:cuenta")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        entidad = next((e for e in entidades if e.pk == d.get("entidad")), None)
        try:
            token, clave = token_crear(usuario=usuario, nombre=d["nombre"], entidad=entidad,
                                       alcance=d["alcance"], dias=d["dias"],
                                       segundo_factor=sesion_verificada(usuario))
        except ErrorDominio as exc:
            form.add_error(None, exc.message)
            for campo, errores in (exc.extra or {}).items():
                if campo in form.fields and isinstance(errores, list):
                    for e in errores:
                        form.add_error(campo, str(e))
        else:
            creado = {"token": token, "clave": clave}
            form = FormularioToken(entidades=entidades, alcances=AlcanceToken.choices,
                                   dias_defecto=settings.TOKENS_API_DIAS,
                                   dias_maximo=settings.TOKENS_API_DIAS_MAXIMO)
    return render(request, "entidades/cuenta.html", {
        "form": form, "creado": creado, "tokens": list(tokens_de(usuario)),
        "prefijo_clave": PREFIJO_CLAVE, "dias_maximo": settings.TOKENS_API_DIAS_MAXIMO,
        "personal": es_personal_cgii(usuario)})
