"""CGII staff sessions must have passed TOTP; anything else is logged out on the spot."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import alogout, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .selectors import requiere_segundo_factor

_RUTAS_LIBRES = ("entidades:login", "entidades:enrolar", "entidades:logout")


class SegundoFactorPersonalMiddleware:
    """A staff session without a verified OTP device can only come from a way around the
    login view (an old session, a device deleted since, a forced login): end it.

    Must come after ``django_otp.middleware.OTPMiddleware``.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.asincrono = iscoroutinefunction(get_response)
        if self.asincrono:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.asincrono:
            return self.__acall__(request)
        if not self._exenta(request) and _sin_segundo_factor(request.user):
            logout(request)
            return _respuesta(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest):
        if not self._exenta(request):
            usuario = await request.auser()
            if await sync_to_async(_sin_segundo_factor)(usuario):
                await alogout(request)
                return _respuesta(request)
        return await self.get_response(request)

    def _exenta(self, request: HttpRequest) -> bool:
        ruta = request.path
        return ruta.startswith(settings.STATIC_URL) or ruta in _rutas_libres()


def _rutas_libres() -> set[str]:
    # Reversed per request (the resolver caches it): tests swap ROOT_URLCONF, and a URLconf
    # without these views simply has nothing to exempt.
    libres = set()
    for nombre in _RUTAS_LIBRES:
        try:
            libres.add(reverse(nombre))
        except NoReverseMatch:
            pass
    return libres


def _sin_segundo_factor(usuario) -> bool:
    if not getattr(usuario, "is_authenticated", False) or not requiere_segundo_factor(usuario):
        return False
    verificado = getattr(usuario, "is_verified", None)
    return not (verificado and verificado())


def _respuesta(request: HttpRequest):
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"message": _("La sesión requiere el código de verificación; ingrese de nuevo."),
             "extra": {"code": "segundo_factor_requerido"}},
            status=401,
        )
    try:
        ingreso = resolve_url(settings.LOGIN_URL)
    except NoReverseMatch:
        # A URLconf without the login view (tests mounting a few views): still refuse.
        return HttpResponseForbidden(_("Se requiere el código de verificación."))
    return redirect_to_login(request.get_full_path(), ingreso)
