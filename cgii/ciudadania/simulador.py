"""Local simulator of Ciudadanía Digital's OpenID Connect provider (``/simulador-cd/``).

Only for trying the flows without the real service: answers 404 unless
``settings.CIUDADANIA_SIMULADOR`` (the embedded profile with DEBUG, see settings.py). It
speaks the same protocol the real provider does (discovery, authorization code + PKCE S256,
RS256 ID token, JWKS, userinfo, end_session), so the login code under test is the production
code. The person is chosen on a page instead of typing a password; the RSA key lives in the
process's memory (one process in the embedded profile) and changes at each start.
"""

import base64
import hashlib
import secrets
import time
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from joserfc import jwt
from joserfc.jwk import RSAKey

VIGENCIA_CODIGO = 120
VIGENCIA_TOKEN = 600


def _exigir_simulador():
    if not getattr(settings, "CIUDADANIA_SIMULADOR", False):
        raise Http404


@lru_cache(maxsize=1)
def _clave() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig"},
                               private=True)


def _emisor(request) -> str:
    return request.build_absolute_uri(reverse("simulador_cd:descubrimiento")).removesuffix(
        "/.well-known/openid-configuration")


def _url(request, nombre: str) -> str:
    return request.build_absolute_uri(reverse(f"simulador_cd:{nombre}"))


def descubrimiento(request):
    _exigir_simulador()
    return JsonResponse({
        "issuer": _emisor(request),
        "authorization_endpoint": _url(request, "autorizar"),
        "token_endpoint": _url(request, "token"),
        "userinfo_endpoint": _url(request, "userinfo"),
        "jwks_uri": _url(request, "jwks"),
        "end_session_endpoint": _url(request, "salir"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })


def jwks(request):
    _exigir_simulador()
    return JsonResponse({"keys": [_clave().as_dict(private=False)]})


def _retorno_permitido(uri: str) -> bool:
    partes = urlsplit(uri)
    return partes.scheme in ("http", "https") and partes.path == reverse("ciudadania:retorno")


@never_cache
def autorizar(request):
    """The provider's login page, simulated: pick a registered document (or type any) and
    whether the login used a second factor."""
    _exigir_simulador()
    p = request.POST if request.method == "POST" else request.GET
    if (p.get("client_id") != settings.CIUDADANIA_CLIENT_ID or p.get("response_type") != "code"
            or not _retorno_permitido(p.get("redirect_uri", ""))
            or p.get("code_challenge_method") != "S256" or not p.get("code_challenge")):
        return render(request, "ciudadania/simulador_error.html", status=400)
    if request.method == "POST" and p.get("documento", "").strip():
        codigo = secrets.token_urlsafe(24)
        cache.set(f"cd-sim:codigo:{codigo}", {
            "documento": p["documento"].strip(), "segundo_factor": p.get("segundo_factor") == "1",
            "nonce": p.get("nonce", ""), "redirect_uri": p["redirect_uri"],
            "code_challenge": p["code_challenge"], "momento": int(time.time()),
        }, VIGENCIA_CODIGO)
        consulta = urlencode({"code": codigo, "state": p.get("state", "")})
        return HttpResponseRedirect(f"{p['redirect_uri']}?{consulta}")
    personas = (get_user_model().objects.exclude(documento_identidad=None)
                .order_by("username").values("username", "first_name", "last_name",
                                             "documento_identidad"))
    campos = {k: p.get(k, "") for k in ("client_id", "response_type", "redirect_uri", "scope",
                                        "state", "nonce", "code_challenge",
                                        "code_challenge_method")}
    return render(request, "ciudadania/simulador_ingreso.html",
                  {"campos": campos, "personas": list(personas)})


def _cliente_autenticado(request) -> bool:
    cabecera = request.headers.get("Authorization", "")
    if cabecera.startswith("Basic "):
        try:
            cid, _, secreto = base64.b64decode(cabecera[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
    else:
        cid, secreto = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    return (constant_time_compare(cid, settings.CIUDADANIA_CLIENT_ID)
            and constant_time_compare(secreto, settings.CIUDADANIA_CLIENT_SECRET))


def _pkce_valido(verificador: str, desafio: str) -> bool:
    calculado = base64.urlsafe_b64encode(
        hashlib.sha256(verificador.encode()).digest()).rstrip(b"=").decode()
    return bool(verificador) and constant_time_compare(calculado, desafio)


def _claims(datos: dict) -> dict:
    documento = datos["documento"]
    return {
        "sub": "sim-" + hashlib.sha256(documento.encode()).hexdigest()[:16],
        "profile": {"documento_identidad": {"numero_documento": documento,
                                            "tipo_documento": "CI"}},
        "amr": ["pwd", "otp"] if datos["segundo_factor"] else ["pwd"],
    }


@csrf_exempt
def token(request):
    _exigir_simulador()
    if request.method != "POST":
        return JsonResponse({"error": "invalid_request"}, status=405)
    if not _cliente_autenticado(request):
        return JsonResponse({"error": "invalid_client"}, status=401)
    datos = cache.get(f"cd-sim:codigo:{request.POST.get('code', '')}")
    cache.delete(f"cd-sim:codigo:{request.POST.get('code', '')}")  # single use
    if (datos is None or request.POST.get("grant_type") != "authorization_code"
            or request.POST.get("redirect_uri") != datos["redirect_uri"]
            or not _pkce_valido(request.POST.get("code_verifier", ""), datos["code_challenge"])):
        return JsonResponse({"error": "invalid_grant"}, status=400)
    ahora = int(time.time())
    claims = _claims(datos)
    id_token = jwt.encode({"alg": "RS256", "kid": _clave().kid}, {
        **claims, "iss": _emisor(request), "aud": settings.CIUDADANIA_CLIENT_ID, "iat": ahora,
        "exp": ahora + VIGENCIA_TOKEN, "auth_time": datos["momento"], "nonce": datos["nonce"],
    }, _clave())
    acceso = secrets.token_urlsafe(24)
    cache.set(f"cd-sim:acceso:{acceso}", claims, VIGENCIA_TOKEN)
    return JsonResponse({"access_token": acceso, "token_type": "Bearer",
                         "expires_in": VIGENCIA_TOKEN, "id_token": id_token, "scope": "openid"})


def userinfo(request):
    _exigir_simulador()
    claims = cache.get(f"cd-sim:acceso:{request.headers.get('Authorization', '')[7:]}")
    if claims is None:
        return JsonResponse({"error": "invalid_token"}, status=401)
    return JsonResponse(claims)


def salir(request):
    """end_session: back to the platform's login page (same host only)."""
    _exigir_simulador()
    destino = request.GET.get("post_logout_redirect_uri", "")
    if urlsplit(destino).netloc != request.get_host():
        destino = reverse("entidades:login")
    return HttpResponseRedirect(destino)
