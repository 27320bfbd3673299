"""A real OpenID Connect provider for the tests: django-oauth-toolkit's, in its own process.

Stands in for Ciudadanía Digital's provider: RS256 ID tokens signed with a key generated at
test time (CD_PROVEEDOR_CLAVE), discovery, JWKS, PKCE required, userinfo and RP-initiated
logout. Its own SQLite database (CD_PROVEEDOR_BD). Started by ``proveedor.arrancar``.
"""

import os
from pathlib import Path

AQUI = Path(__file__).resolve().parent
SECRET_KEY = "proveedor-oidc-de-pruebas"
DEBUG = True
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "America/La_Paz"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.ciudadania.proveedor.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("CD_PROVEEDOR_BD", ":memory:")}}
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [AQUI / "plantillas"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                       "django.contrib.auth.context_processors.auth"]},
}]
LOGIN_URL = "/entrar/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test speed only
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ.get("CD_PROVEEDOR_CLAVE", ""),
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "tests.ciudadania.proveedor.validador.Validador",
    "SCOPES": {"openid": "OpenID Connect", "profile": "Datos personales"},
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
}
# Cookies ignore the port: in the browser test this provider and CGII both live on
# 127.0.0.1, so their session and CSRF cookies must not share names.
SESSION_COOKIE_NAME = "proveedor_sesion"
CSRF_COOKIE_NAME = "proveedor_csrf"
