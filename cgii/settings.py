"""One settings module, driven by environment variables.

Nothing set → embedded profile: SQLite, in-memory channel layer, tasks in-process,
database search. DATABASE_URL / REDIS_URL / ELASTICSEARCH_URL switch on the full stack.
DJANGO_ENV=production turns on the hardened profile (see docs/architecture.md).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CGII_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCCION = DJANGO_ENV == "production"

if PRODUCCION:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    if not SECRET_KEY:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "DJANGO_ENV=production exige la variable DJANGO_SECRET_KEY (una clave larga y "
            "aleatoria, p. ej. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`); "
            "no está definida o está vacía.")
else:
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "dev-only-insecure-key-never-use-in-production-cgii-0123456789"
    )

DEBUG = _env_bool("DJANGO_DEBUG", not PRODUCCION)
ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "channels",
    "cgii",
    "cgii.entidades",
    "cgii.ciudadania",
    "cgii.auditoria",
    "cgii.eventos",
    "cgii.busqueda",
    "cgii.reportes",
    "cgii.idempotencia",
    "protocolos",
    "incidentes",
    "incidentes.indicadores",
    "incidentes.fuentes",
    "incidentes.correo",
    "planes_seguridad",
]

MIDDLEWARE = [
    # First (outermost): a 500 caused by the database or Redis being down becomes a 503.
    "cgii.indisponibilidad.IndisponibilidadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Permissions-Policy; the request's own ws/wss origin in connect-src (cgii.seguridad)
    "cgii.seguridad.CabecerasSeguridadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cgii.entidades.middleware.SegundoFactorPersonalMiddleware",
    "cgii.auditoria.middleware.ContextoSolicitudMiddleware",
    # NUL bytes, chunked bodies' length, input-only exceptions → 4xx (issue 16)
    "cgii.entrada.EntradaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # keep last: see the class (one thread for the whole chain under ASGI)
    "cgii.middleware.CadenaSincronaMiddleware",
]
if os.environ.get("DATABASE_REPLICA_URL") and os.environ.get("DATABASE_URL"):
    # Each request is a unit of work: after it writes, its reads stay on the primary.
    MIDDLEWARE.insert(1, "cgii.bd.replica.UnidadDeTrabajoMiddleware")

ROOT_URLCONF = "cgii.urls"
ASGI_APPLICATION = "cgii.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cgii" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cgii.complementos.contexto",
            ],
            # {% load i18n %} with constant {% translate %}s remembered per language
            # (cgii/templatetags/i18n_en_cache.py, issue 22).
            "libraries": {"i18n": "cgii.templatetags.i18n_en_cache"},
        },
    },
]

# templates.W003 says a tag library label names two modules: "i18n" does on purpose (the
# TEMPLATES "libraries" entry above replaces Django's). tests/plataforma/test_i18n_en_cache.py
# runs the check itself and fails on any other label.
SILENCED_SYSTEM_CHECKS = ["templates.W003"]

# --- Database --------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _base_de_datos(url: str) -> dict:
    """One DATABASES entry from a URL: the primary and the replica get the same engine, pool
    and timeouts (cgii/bd/replica.py)."""
    # Health checks: a connection kept from before a PostgreSQL restart is tested (with the
    # pool: psycopg_pool's check_connection on every loan; without: Django's check when a
    # persistent connection is reused) instead of failing the request that gets it.
    base = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if base["ENGINE"].endswith("postgresql"):
        # Connecting gives up after this (libpq's connect_timeout; psycopg's minimum is 2 s):
        # a server that does not answer fails the request (503) instead of holding it.
        base.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(os.environ.get("CGII_DB_CONNECT_TIMEOUT", "3")))
        # JIT off for our sessions (CGII_DB_JIT=1 keeps the server's setting): the planner's
        # cost estimate of the IOC lookup against 10 M indicators crosses jit_above_cost and
        # PostgreSQL spent 70-110 ms compiling a query that runs in ~500 ms; our queries are
        # index lookups and small aggregates, where JIT never pays (docs/escala.md).
        if os.environ.get("CGII_DB_JIT", "0") != "1":
            base["OPTIONS"].setdefault("options", "-c jit=off")
    if base["ENGINE"].endswith("postgresql") and os.environ.get("CGII_DB_POOL", "1") != "0":
        # Under ASGI every request runs its sync code in a thread of its own, so Django's
        # persistent connections (per thread) were never reused: each request opened a
        # new PostgreSQL connection. psycopg's pool lends a warm one (docs/architecture.md).
        # Django builds the pool itself and passes check= from CONN_HEALTH_CHECKS (a check
        # in these options would clash with it); our backend makes one failed check drop
        # every dead idle connection at once (cgii/bd/postgresql/base.py).
        base["ENGINE"] = "cgii.bd.postgresql"
        base["CONN_MAX_AGE"] = 0
        _espera_pool = float(os.environ.get("CGII_DB_POOL_TIMEOUT", "5"))
        base["OPTIONS"]["pool"] = {
            "min_size": int(os.environ.get("CGII_DB_POOL_MIN", "2")),
            # Per process and per alias (a replica doubles it): web processes × max +
            # Celery children × max must stay under PostgreSQL's max_connections (100).
            "max_size": int(os.environ.get("CGII_DB_POOL_MAX", "10")),
            # A request waits this long for a connection, then answers 503: the bound on
            # how long a database outage holds a request.
            "timeout": _espera_pool,
            # While the server is down the pool retries with a doubling delay (1, 2, 4 ... s)
            # and gives up after reconnect_timeout, starting over on the next request. With
            # psycopg's default (300 s) the delay grows to minutes: after a 107 s outage the
            # pool tried again 11.6 s after the server was back (now 1.9 s).
            "reconnect_timeout": max(2 * _espera_pool, 10.0),
        }
    return base


# Optional read-only streaming replica: reports, search and exports read there inside
# ``cgii.bd.replica.leer_de_replica``; everything else stays on the primary (docs/operacion.md).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "") if DATABASE_URL else ""
# Lag above this (seconds, from pg_last_xact_replay_timestamp()) → read from the primary.
REPLICA_RETRASO_MAXIMO = float(os.environ.get("CGII_REPLICA_RETRASO_MAXIMO", "10"))
# How often (seconds) each process re-checks the replica's health and lag.
REPLICA_COMPROBAR_CADA = float(os.environ.get("CGII_REPLICA_COMPROBAR_CADA", "5"))
if DATABASE_URL:
    DATABASES = {"default": _base_de_datos(DATABASE_URL)}
    if DATABASE_REPLICA_URL:
        DATABASES["replica"] = _base_de_datos(DATABASE_REPLICA_URL)
        # Under tests the alias is the test database itself (no second test database).
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
        DATABASE_ROUTERS = ["cgii.bd.replica.EnrutadorReplica"]
        if not DATABASES["replica"]["ENGINE"].endswith("postgresql"):
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("DATABASE_REPLICA_URL debe ser una réplica PostgreSQL.")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "cgii.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
ES_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "entidades.Usuario"

# --- Redis: channel layer + Celery -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEBIDO = not REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels_redis blocks up to 5 s on BRPOP: a socket timeout at or below that
                # (redis-py 8's default is 5 s) kills idle consumers; and a burst of
                # reconnects must not hit redis-py 8's 100-connection cap (it raises, not waits).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30,
                           "socket_connect_timeout": 5, "max_connections": 2000}],
                "prefix": os.environ.get("CGII_CHANNELS_PREFIX", "cgii"),
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = EMBEBIDO
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TIMEZONE = "America/La_Paz"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A write must never wait on a dead broker: publishing fails fast and the outbox sweep
# (beat) delivers later.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing runs in the request's thread (after commit), so these bound what a dead
# Redis costs a write (measured, docs/architecture.md "When PostgreSQL or Redis is down"):
# max_retries 0 — a refused connection fails at once instead of kombu retrying it for
# CELERY_BROKER_CONNECTION_TIMEOUT (2 s); socket_timeout 1 — a Redis that accepts but does
# not answer (hung, paused) held the write 5 s. Redis answers a publish in well under a
# millisecond; the worker's BRPOP waits 1 s on the event loop, not under this timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1,
                                   "max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Declared so that a plain `celery worker` consumes both; production runs a worker of its
# own for "flujo" (the live stream's send and sweep), see docs/eventos.md.
CELERY_TASK_QUEUES = {"celery": {}, "flujo": {}}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"eventos.despachar": {"queue": "flujo"},
                      "eventos.barrido": {"queue": "flujo"}}

# --- Search ----------------------------------------------------------------------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
BUSQUEDA_BACKEND = os.environ.get(
    "CGII_BUSQUEDA_BACKEND", "elasticsearch" if ELASTICSEARCH_URL else "database"
)

# --- Auth ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that reads the user's CGII roles with the user row (one query less on
    # every request; cgii/entidades/backend.py). Sessions opened under the plain
    # ModelBackend before this changed log in again once.
    "cgii.entidades.backend.BackendUsuarios",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "entidades:login"
LOGIN_REDIRECT_URL = "inicio"
LOGOUT_REDIRECT_URL = "entidades:login"

AXES_FAILURE_LIMIT = int(os.environ.get("CGII_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CGII_AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "entidades/bloqueado.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "CGII"
# API tokens: days a new token lasts when none is asked for, and the most that may be asked.
TOKENS_API_DIAS = int(os.environ.get("CGII_TOKEN_DIAS", "90"))
TOKENS_API_DIAS_MAXIMO = int(os.environ.get("CGII_TOKEN_DIAS_MAXIMO", "365"))

# --- i18n / time -----------------------------------------------------------------------
LANGUAGE_CODE = "es"
# Spanish only: our source strings are Spanish, so offering English (picked from a browser's
# Accept-Language) gave a half-English admin around Spanish pages.
LANGUAGES = [("es", _("Español"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/La_Paz"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CGII_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "cgii" / "static"]
# Outside production WhiteNoise serves straight from the finders (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCCION
WHITENOISE_AUTOREFRESH = not PRODUCCION
if not PRODUCCION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Evidence lives outside the web root and is only served by authorised views.
ARCHIVOS_PRIVADOS_DIR = Path(os.environ.get("CGII_ARCHIVOS_DIR", VAR_DIR / "archivos"))
EVIDENCIA_TAMANO_MAXIMO = int(os.environ.get("CGII_EVIDENCIA_MAX_BYTES", str(25 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cgii.entidades.autenticacion.TokenAPIAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "cgii.entidades.permisos.AlcanceDelToken"],
    # JSON with a size limit (413), a nesting limit and no NUL characters (cgii.entrada).
    # JSON only unless a view names its parsers (uploads take multipart): the schema then
    # documents the media types each operation really accepts.
    "DEFAULT_PARSER_CLASSES": ["cgii.entrada.ParserJSON"],
    "DEFAULT_PAGINATION_CLASS": "cgii.api.Paginacion",
    "PAGE_SIZE": 50,
    # drf-spectacular's AutoSchema plus the Idempotency-Key header of @idempotente handlers
    # (cgii.idempotencia.esquema), the error responses and pagination (cgii.esquema).
    "DEFAULT_SCHEMA_CLASS": "cgii.esquema.EsquemaCGII",
    "EXCEPTION_HANDLER": "cgii.api.manejador_excepciones",
    "DEFAULT_FILTER_BACKENDS": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CGII API",
    "DESCRIPTION": "API del Centro de Gestión de Incidentes Informáticos (AGETIC).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per shared choice set (impact and urgency share the 1–4 scale).
    "ENUM_NAME_OVERRIDES": {
        "NivelEnum": "incidentes.models.Nivel",
        "EstadoIncidenteEnum": "incidentes.states.Estado",
        "EstadoTareaEnum": "incidentes.models.EstadoTarea",
        "OrigenIncidenteEnum": "incidentes.models.Origen",
        "EstadoPlanEnum": "planes_seguridad.states.Estado",
        "EstadoPeriodoEnum": "planes_seguridad.states.EstadoPeriodo",
        "EstadoImplementacionEnum": "planes_seguridad.models.plan.EstadoImplementacion",
        "EstadoEvidenciaPisiEnum": "planes_seguridad.models.plan.EstadoEvidencia",
        "EstadoHallazgoEnum": "planes_seguridad.models.seguimiento.EstadoHallazgo",
        "OrigenHallazgoEnum": "planes_seguridad.models.seguimiento.OrigenHallazgo",
        "OrigenIndicadorEnum": "incidentes.indicadores.models.OrigenIndicador",
        "EstadoImportacionEnum": "incidentes.indicadores.models.EstadoImportacion",
        "TlpEnum": "incidentes.models.TLP",
        # What the API accepts (issue 16): the system-only transitions are left out.
        "TransicionIncidenteEnum": "incidentes.api.serializers.TRANSICIONES_API",
        "TransicionPlanEnum": "planes_seguridad.api.serializers.TRANSICIONES_PLAN",
        "TransicionPeriodoEnum": "planes_seguridad.api.serializers.TRANSICIONES_PERIODO",
        "AccionEvidenciaPisiEnum": "planes_seguridad.api.serializers.ACCIONES_EVIDENCIA",
        "CatalogoPisiEnum": "planes_seguridad.api.serializers.CATALOGOS",
    },
}

# --- Mail ------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCCION
    else "cgii.correo.ConsolaStderr",
)
# Django's default is no timeout: a hung mail server would hold the mail sink forever.
EMAIL_TIMEOUT = float(os.environ.get("CGII_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "cgii@agetic.gob.bo")
CGII_URL_BASE = os.environ.get("CGII_URL_BASE", "http://127.0.0.1:8000")

# --- Mail intake (incidentes/correo, docs/correo.md) -------------------------------------
# An IMAP mailbox read over TLS; no host → the intake is off (the embedded default). The
# incident e-mails carry a reply address ``<local>+<token>@<domain>`` of CORREO_DIRECCION.
CORREO_IMAP_HOST = os.environ.get("CGII_CORREO_IMAP_HOST", "")
CORREO_IMAP_PUERTO = int(os.environ.get("CGII_CORREO_IMAP_PUERTO", "993"))
CORREO_IMAP_TLS = os.environ.get("CGII_CORREO_IMAP_TLS", "ssl")  # "ssl" (993) or "starttls"
CORREO_IMAP_USUARIO = os.environ.get("CGII_CORREO_IMAP_USUARIO", "")
CORREO_IMAP_CLAVE = os.environ.get("CGII_CORREO_IMAP_CLAVE", "")
CORREO_IMAP_CA = os.environ.get("CGII_CORREO_IMAP_CA", "")  # CA file of a private CA
CORREO_IMAP_TIMEOUT = float(os.environ.get("CGII_CORREO_IMAP_TIMEOUT", "30"))
CORREO_CARPETA = os.environ.get("CGII_CORREO_CARPETA", "INBOX")
CORREO_CARPETA_PROCESADOS = os.environ.get("CGII_CORREO_CARPETA_PROCESADOS", "CGII-Procesados")
CORREO_ACTIVO = _env_bool("CGII_CORREO_ACTIVO", True)
CORREO_DIRECCION = os.environ.get("CGII_CORREO_DIRECCION", "")
# Only Authentication-Results added by this server (RFC 8601 authserv-id) can make a
# sender trusted; empty → results are recorded and a failure flags, a pass proves nothing.
CORREO_AUTHSERV_ID = os.environ.get("CGII_CORREO_AUTHSERV_ID", "")
# On: a sender our own server did not verify (no passing SPF/DKIM/DMARC) goes to triage
# instead of acting as the user whose address it shows. Off: only a failure does.
CORREO_EXIGIR_AUTENTICACION = _env_bool("CGII_CORREO_EXIGIR_AUTENTICACION", False)
# Whole messages above this are refused unread (attachments follow the evidence limit).
CORREO_MAX_BYTES = int(os.environ.get("CGII_CORREO_MAX_BYTES",
                                      str(EVIDENCIA_TAMANO_MAXIMO + 10 * 1024 * 1024)))
CORREO_LOTE = int(os.environ.get("CGII_CORREO_LOTE", "200"))  # messages per run at most

# --- Outbox ----------------------------------------------------------------------------
EVENTOS_LOTE = int(os.environ.get("CGII_EVENTOS_LOTE", "200"))
EVENTOS_MAX_INTENTOS = int(os.environ.get("CGII_EVENTOS_MAX_INTENTOS", "20"))
# A connected stream checks its live delivery against the outbox this long after activity,
# and this often when idle (cgii/eventos/consumers.py); what it finds missing it sends.
EVENTOS_VERIFICACION_SEGUNDOS = float(os.environ.get("CGII_EVENTOS_VERIFICACION", "2"))
EVENTOS_VERIFICACION_REPOSO = float(os.environ.get("CGII_EVENTOS_VERIFICACION_REPOSO", "15"))
# A reconnecting stream replays up to this many missed events (paged); past it the page
# reloads its state. A 20 s Redis outage at 16 reports/s is ~700 events for staff.
EVENTOS_REPETICION_MAXIMA = int(os.environ.get("CGII_EVENTOS_REPETICION_MAXIMA", "5000"))

# --- Time-partitioned tables (docs/particiones.md) -------------------------------------
# Partitions created this many periods (months or years, per table) ahead by the job.
PARTICIONES_ADELANTE = int(os.environ.get("CGII_PARTICIONES_ADELANTE", "3"))


def _env_dias(name: str, default: str) -> int | None:
    """Days to keep; empty or "none" keeps forever (legal evidence)."""
    valor = os.environ.get(name, default).strip().lower()
    return None if valor in ("", "none", "no") else int(valor)


# Legal evidence is kept by default: audit, incident timeline, SLA crossings.
RETENCION_AUDITORIA_DIAS = _env_dias("CGII_RETENCION_AUDITORIA_DIAS", "none")
RETENCION_TIMELINE_DIAS = _env_dias("CGII_RETENCION_TIMELINE_DIAS", "none")
RETENCION_CRUCES_SLA_DIAS = _env_dias("CGII_RETENCION_CRUCES_SLA_DIAS", "none")
# Outbox months whose every event was delivered (live and to every sink) go after this.
RETENCION_EVENTOS_DIAS = _env_dias("CGII_RETENCION_EVENTOS_DIAS", "90")

# --- Health (/salud/): a bare liveness answer is public; the details (workers, backlog,
# search documents) go to CGII staff or to a monitor sending this token (X-Salud-Token).
SALUD_TOKEN = os.environ.get("CGII_SALUD_TOKEN", "")

# --- Generated report files (cgii.reportes) ---------------------------------------------
# Feed intake (incidentes.fuentes): an aggregation quiet this long becomes (or updates) its
# incident or notice, and the entity is notified once (docs/fuentes.md).
FUENTES_ESPERA_SEGUNDOS = float(os.environ.get("CGII_FUENTES_ESPERA", "300"))
REPORTES_MAX_EN_CURSO = int(os.environ.get("CGII_REPORTES_MAX_EN_CURSO", "3"))  # per user
REPORTES_DIAS_CONSERVAR = int(os.environ.get("CGII_REPORTES_DIAS_CONSERVAR", "30"))

# --- Security headers (CSP on every profile; the rest in production) --------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        # 'self' only: websockets to this host (cgii.seguridad adds its exact ws/wss origin
        # for browsers where 'self' does not cover websockets), never to any other.
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCCION:
    SECURE_HSTS_SECONDS = int(os.environ.get("CGII_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = _env_bool("CGII_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The container healthcheck probes plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^salud/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CGII_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Ciudadanía Digital (cgii/ciudadania, docs/ciudadania_digital.md) ---------------------
# OpenID Connect login with the state digital identity. Empty URL: no button, no routes
# answer (local login + TOTP only). The URL is the issuer; discovery is read from
# <issuer>/.well-known/openid-configuration.
CIUDADANIA_PROVEEDOR_URL = os.environ.get("CGII_CD_PROVEEDOR_URL", "").rstrip("/")
CIUDADANIA_CLIENT_ID = os.environ.get("CGII_CD_CLIENT_ID", "")
CIUDADANIA_CLIENT_SECRET = os.environ.get("CGII_CD_CLIENT_SECRET", "")
CIUDADANIA_SCOPES = os.environ.get("CGII_CD_SCOPES", "openid profile")
# Where the identity-document number is: a dotted path into the ID token's claims, then
# into the userinfo response (Ciudadanía Digital nests it under "profile", assumed).
CIUDADANIA_CLAIM_DOCUMENTO = os.environ.get(
    "CGII_CD_CLAIM_DOCUMENTO", "profile.documento_identidad.numero_documento")
# A provider-asserted second factor: any of these `amr` values, or an `acr` among these.
CIUDADANIA_AMR_SEGUNDO_FACTOR = _env_list("CGII_CD_AMR_SEGUNDO_FACTOR", "otp,mfa,hwk,swk,sms")
CIUDADANIA_ACR_SEGUNDO_FACTOR = _env_list("CGII_CD_ACR_SEGUNDO_FACTOR", "")
# Staff whose Ciudadanía Digital login carried no second factor: "totp" asks for the TOTP
# code of their enrolled device (refused when they have none), "rechazar" refuses.
CIUDADANIA_PERSONAL_SIN_SEGUNDO_FACTOR = os.environ.get(
    "CGII_CD_PERSONAL_SIN_SEGUNDO_FACTOR", "totp")
# Aprobación de Documentos (cgii/ciudadania/aprobacion.py): base URL of the service and the
# institution's bearer token. Empty: the PISI's MAE resolution does not require it.
CIUDADANIA_APROBACION_URL = os.environ.get("CGII_CD_APROBACION_URL", "")
CIUDADANIA_APROBACION_TOKEN = os.environ.get("CGII_CD_APROBACION_TOKEN", "")
# Notificaciones Electrónicas (cgii/ciudadania/notificaciones.py): base URL and token.
CIUDADANIA_NOTIFICACIONES_URL = os.environ.get("CGII_CD_NOTIFICACIONES_URL", "")
CIUDADANIA_NOTIFICACIONES_TOKEN = os.environ.get("CGII_CD_NOTIFICACIONES_TOKEN", "")
# Local simulator of the provider and services (cgii/ciudadania/simulador.py) under
# /simulador-cd/: the embedded profile with DEBUG only (never production), on unless
# CGII_CD_SIMULADOR=0. With no real provider configured, login uses it.
CIUDADANIA_SIMULADOR = (DEBUG and EMBEBIDO and not PRODUCCION
                        and _env_bool("CGII_CD_SIMULADOR", True))
if CIUDADANIA_SIMULADOR and not CIUDADANIA_PROVEEDOR_URL:
    CIUDADANIA_PROVEEDOR_URL = f"{CGII_URL_BASE.rstrip('/')}/simulador-cd"
    CIUDADANIA_CLIENT_ID = "cgii-local"
    CIUDADANIA_CLIENT_SECRET = "secreto-del-simulador"
if CIUDADANIA_SIMULADOR and not CIUDADANIA_APROBACION_URL:
    CIUDADANIA_APROBACION_URL = f"{CGII_URL_BASE.rstrip('/')}/simulador-cd/aprobacion"
    CIUDADANIA_APROBACION_TOKEN = "simulador"
if CIUDADANIA_SIMULADOR and not CIUDADANIA_NOTIFICACIONES_URL:
    CIUDADANIA_NOTIFICACIONES_URL = f"{CGII_URL_BASE.rstrip('/')}/simulador-cd"
    CIUDADANIA_NOTIFICACIONES_TOKEN = "simulador"
