"""Settings for the workbench: one module, configured through environment variables.

Development defaults are safe to run on a laptop (DEBUG on, SQLite file under var/). With
DEBUG off the process refuses to start without SECRET_KEY.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from workbench.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)

INSTALLED_APPS = [
    "workbench.apps.WorkbenchAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "django_tasks",
    "workbench.apps.BackgroundJobsConfig",  # django_tasks_db, its name translated
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "workbench.middleware.RejectInvalidUtf8",
    "workbench.middleware.DatabaseUnavailable",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses log-ins after repeated failures
    # Logs in as ModelBackend does, reads a session's user with their roles in one query, and
    # answers has_perm(perm, obj) from project roles (annotations.access.permissions.can).
    "annotations.access.permissions.ProjectPermissionBackend",
    # Model permissions without an object, and the users of sessions begun before the line
    # above logged people in (a session names the backend that logged it in).
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"
ASGI_APPLICATION = "workbench.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.pages.navigation.links",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "workbench.sqlite3"}
    # Persistent connections, one per serving thread, pinged at the start of every request
    # that reuses one (CONN_HEALTH_CHECKS): after a server restart the first request gets a
    # fresh connection at once. (psycopg_pool was tried: after an outage its reconnect backoff
    # doubles, so requests kept failing for seconds after the server was back.)
    config = dj_database_url.parse(
        url, conn_max_age=env_int("DB_CONN_MAX_AGE", 300), conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        # JIT compiling costs ~300 ms before the first row of a large export and never pays
        # back on this workload's short queries.
        options.setdefault("options", "-c jit=off")
        # A new connection gives up quickly when the server is away, so a request answers
        # 503 within seconds instead of hanging.
        options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 2))
    return config


DATABASES = {"default": _database()}


def _cache() -> dict:
    """A cache every worker process shares: throttles count there.

    Redis (Django's backend, its client made once: workbench.cache) when REDIS_URL is set, as
    in production; the database otherwise (its table is made by migration 0011), so two
    commands still set everything up.
    """
    url = env_str("REDIS_URL")
    prefix = env_str("CACHE_KEY_PREFIX")  # to share one Redis between deployments
    backend = "workbench.cache.RedisCache" if url else "django.core.cache.backends.db.DatabaseCache"
    return {
        "BACKEND": backend,
        "LOCATION": url or CACHE_TABLE,
        "KEY_PREFIX": prefix,
    }


CACHE_TABLE = "workbench_cache"
CACHES = {"default": _cache()}

# The largest body a request may carry. The API takes articles of up to 2,000,000 characters;
# sent as JSON with every character escaped (\ud83d\ude80: 12 bytes) that is 24 MB.
# Background jobs (fetching pages, polling feeds): django-tasks with its database backend, on
# whichever database the workbench uses; `make worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Fetching pages from the web (fetching.py). Internal addresses are refused; a network listed
# here (CIDR, comma-separated) is allowed anyway: for tests and intranet sites only.
FETCH_ALLOWED_NETWORKS = env_list("FETCH_ALLOWED_NETWORKS", [])
FETCH_TIMEOUT = env_int("FETCH_TIMEOUT_SECONDS", 10)
FETCH_MAX_BYTES = env_int("FETCH_MAX_BYTES", 10_000_000)
FETCH_MAX_REDIRECTS = env_int("FETCH_MAX_REDIRECTS", 5)
REFETCH_HOURS = env_int("REFETCH_HOURS", 24)  # tracked articles are fetched again this often
FEED_ITEMS_PER_POLL = env_int("FEED_ITEMS_PER_POLL", 100)  # fetches one poll of a feed queues

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_MAX_BYTES", 25 * 1024 * 1024)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Interface languages: the browser's choice (Accept-Language) unless the user picks one with the
# switcher in the top bar (stored in a cookie). Article text keeps its own language and direction.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise indexes it at start-up
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed files (collectstatic first); development the sources.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening; each is configurable for deployments behind a TLS-terminating proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the shared cache (Redis in production) and written through to the
# database: a request costs no session query, and a cache that restarts loses no one's log-in.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", [])  # e.g. HTTP_X_FORWARDED_PROTO,https
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if len(_proxy_header) == 2 else None
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# No inline script or style anywhere: every script and stylesheet is a file served from here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous requests 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "annotations.api.access.HasRole",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.PageNumberPagination",
    "DEFAULT_THROTTLE_CLASSES": ["annotations.api.throttling.WriteRateThrottle"],
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "writes": env_str("API_WRITE_THROTTLE", "600/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check annotation workbench API",
    "DESCRIPTION": (
        "Annotate news articles with claims, denials and attributions, attach evidence, "
        "review, and export. Offsets are Unicode code points into the article body."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: they put a link inside each operation's button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LabelEnum": "annotations.choices.Label",
        "StatusEnum": "annotations.choices.Status",
        "StanceEnum": "annotations.choices.Stance",
        "AssignmentStateEnum": "annotations.choices.AssignmentState",
        "FetchStateEnum": "annotations.choices.FetchState",
        "FetchReasonEnum": "annotations.choices.FetchReason",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
