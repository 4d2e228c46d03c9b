"""Settings from environment variables; with none set, the embedded default runs (SQLite, locmem
cache, eager Celery). README.md lists every variable."""

import ipaddress
import os
import sys
import tempfile
from pathlib import Path

import dj_database_url

from aforro_backend import replica_settings

BASE_DIR = Path(__file__).resolve().parent.parent
# Under pytest the embedded files live in a fresh temporary folder: tests never touch dev data
# (the root conftest.py removes it when the session ends).
VAR_DIR = Path(
    os.environ.get("AFORRO_VAR_DIR")
    or (tempfile.mkdtemp(prefix="aforro-test-") if "pytest" in sys.modules else BASE_DIR / "var")
)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "y"}


def env_count(name: str, default: int) -> int:
    """A whole number >= 0 from the environment; anything else refuses to start."""
    value = os.environ.get(name, "").strip() or str(default)
    if not (value.isascii() and value.isdigit()):  # refuses "-1", "1.5" and "two"
        raise RuntimeError(f"{name} must be a whole number >= 0, not {value!r}")
    return int(value)


def env_networks(name: str, default: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks; an entry that is neither refuses to start."""
    networks = []
    for entry in os.environ.get(name, default).split(","):
        if entry.strip():
            try:
                networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
            except ValueError as error:
                raise RuntimeError(
                    f"{name}: {entry.strip()!r} is not an address or network"
                ) from error
    return tuple(networks)


REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
EMBEDDED = not DATABASE_URL and not REDIS_URL

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not (EMBEDDED or DEBUG or env_bool("AFORRO_ALLOW_DEV_SECRET", False)):
        raise RuntimeError("DJANGO_SECRET_KEY must be set outside the embedded default")
    SECRET_KEY = "embedded-development-only-not-a-secret"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_prometheus",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework",
    "rest_framework.authtoken",
    "query_side",
    "projections",
    "api",
]

MIDDLEWARE = [
    "aforro_backend.request_metrics.RequestMetricsMiddleware",
    "aforro_backend.middleware.RequestIdMiddleware",
    "api.request_limits.RequestTargetLimitMiddleware",
    "aforro_backend.middleware.DatabaseDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # runserver and tests serve app assets without collectstatic

ROOT_URLCONF = "api.urls"  # the routes themselves: no include() level to resolve per request
WSGI_APPLICATION = "aforro_backend.wsgi.application"

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'read.sqlite3'}",
        # A new connection per request cost ~4x throughput here (ARCHITECTURE.md).
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# One deadline per request for everything it waits on in PostgreSQL (pool, connections,
# retries, locks): past it the request answers 503 instead of hanging on a lost server.
DB_DEADLINE_SECONDS = float(os.environ.get("DB_DEADLINE_SECONDS", "5"))
if DB_DEADLINE_SECONDS <= 0:
    raise RuntimeError("DB_DEADLINE_SECONDS must be a positive number of seconds")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's PostgreSQL backend, with new connections bounded by the request's deadline.
    DATABASES["default"]["ENGINE"] = "aforro_backend.postgres_backend"
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
    # Django turns psycopg's prepared statements off (for transaction-mode poolers). Its own
    # cursors bind on the client and never prepare anyway; this lets query_side.prepared's
    # cursor prepare the hottest read once per connection. Behind PgBouncer in transaction
    # mode that needs PgBouncer 1.21+ with max_prepared_statements set.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too, not Django's shared-cache in-memory database: its table locks fail
    # a read at once while the projector thread writes, where WAL (the embedded mode) lets it be.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-read.sqlite3")}

# PostgreSQL streaming replicas for the read endpoints (docs/decisions/021): each URL becomes
# the alias replica_<n>, shaped like default. Only the read views' reads of the read tables go
# there (query_side.read_replicas); a replica lagging more than REPLICA_MAX_LAG_SECONDS, or not
# answering, is out of rotation until it recovers.
DATABASES.update(
    replica_settings.replica_databases(
        replica_settings.parse_replica_urls(os.environ.get("DATABASE_REPLICA_URLS", "")),
        DATABASES["default"],
        # A slow statement on a replica is cancelled with half the request's deadline left for
        # its retry on the primary (a frozen one is cut by the deadline's watchdog).
        statement_timeout_ms=max(int(DB_DEADLINE_SECONDS * 500), 1),
    )
)
REPLICA_MAX_LAG_SECONDS = replica_settings.max_lag_seconds(
    os.environ.get("REPLICA_MAX_LAG_SECONDS", "").strip() or "5"
)
DATABASE_ROUTERS = ["query_side.read_replicas.ReadReplicaRouter"]

# The event store: PostgreSQL tables beside the read tables when DATABASE_URL is PostgreSQL,
# otherwise its own SQLite file (the library opens its own connections to it).
EVENT_STORE_SQLITE_PATH = os.environ.get("EVENT_STORE_SQLITE_PATH", str(VAR_DIR / "events.sqlite3"))
EVENT_STORE_POOL_SIZE = int(os.environ.get("EVENT_STORE_POOL_SIZE", "5"))
EVENT_STORE_POOL_WAIT_SECONDS = int(os.environ.get("EVENT_STORE_POOL_WAIT_SECONDS", "2"))
AGGREGATE_CACHE_MAXSIZE = int(os.environ.get("AGGREGATE_CACHE_MAXSIZE", "20000"))
ORDER_MAX_ATTEMPTS = int(os.environ.get("ORDER_MAX_ATTEMPTS", "8"))
# The notifier's safety net (projections/confirmation_sweep.py): how long a confirmed order may
# wait for its e-mail before it is enqueued again (doubled per later attempt, up to the max
# backoff), and how often the worker looks.
CONFIRMATION_SWEEP_GRACE_SECONDS = float(os.environ.get("CONFIRMATION_SWEEP_GRACE_SECONDS", "120"))
CONFIRMATION_SWEEP_INTERVAL_SECONDS = float(
    os.environ.get("CONFIRMATION_SWEEP_INTERVAL_SECONDS", "60")
)
CONFIRMATION_SWEEP_MAX_BACKOFF_SECONDS = float(
    os.environ.get("CONFIRMATION_SWEEP_MAX_BACKOFF_SECONDS", "3600")
)
# How long a read with ?min_position=N waits for its projection before answering 503.
MIN_POSITION_WAIT_SECONDS = float(os.environ.get("MIN_POSITION_WAIT_SECONDS", "2"))
# At most this many such reads wait at once per process; past it, 503 at once: waiting must not
# take every thread of a process.
MIN_POSITION_MAX_WAITERS = int(os.environ.get("MIN_POSITION_MAX_WAITERS", "8"))
# A projection whose worker heartbeat is older than this has no live worker: a read with
# min_position answers 503 at once instead of waiting for a position nobody will reach.
PROJECTOR_STALE_SECONDS = float(os.environ.get("PROJECTOR_STALE_SECONDS", "15"))
# Product search counts its matches exactly up to this many and serves no page past them
# (`count_is_exact: false`): the cost of a broad word stays bounded (docs/decisions/019).
SEARCH_COUNT_LIMIT = 10_000
# The embedded mode runs the projectors in a thread of the web process (wsgi.py).
PROJECTORS_IN_PROCESS = env_bool("PROJECTORS_IN_PROCESS", EMBEDDED)
# What a web process starts once its WSGI app is loaded (wsgi.py: gunicorn workers, runserver;
# never manage.py commands or pytest). Named by string, as INSTALLED_APPS names the apps, so
# that aforro_backend imports no projections code (docs/decisions/017-import-layering.md).
# The search lexicon is built before the first request: in full it reads every product.
WEB_PROCESS_STARTUP = [
    *(["projections.in_process.start_in_process_projectors"] if PROJECTORS_IN_PROCESS else []),
    "query_side.search.lexicon.warm",
]

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 60,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # Redis is a cache, never the truth: when it is down, read from the database.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def broker_beside(redis_url: str) -> str:
    """The broker on the database after the cache's: flushing or evicting cache keys must
    never take queued confirmation tasks with it."""
    head, _, db = redis_url.rstrip("/").rpartition("/")
    if db.isdigit() and head.count("/") >= 2:
        n = int(db)
        return f"{head}/{n + 1 if n < 15 else n - 1}"  # Redis has databases 0..15
    return f"{redis_url.rstrip('/')}/1"


CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    broker_beside(REDIS_URL) if REDIS_URL else "memory://localhost/"
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the notifier keeps its checkpoint and retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}

# Confirmation emails: console by default; EMAIL_BACKEND and EMAIL_* select SMTP.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
ORDER_EMAIL_FROM = os.environ.get("ORDER_EMAIL_FROM", "orders@aforro.example")
# There are no customer accounts yet: confirmations go to one configurable mailbox.
ORDER_EMAIL_TO = os.environ.get("ORDER_EMAIL_TO", "customers@aforro.example")

# Reverse proxies in front of gunicorn whose X-Forwarded-For entries are believed: 0 (the default)
# believes none, so the client identity of rate limits and of /metrics is the connecting address.
NUM_PROXIES = env_count("NUM_PROXIES", 0)

# Who may scrape /metrics: a client address (as above) inside one of these networks, or anyone
# sending `Authorization: Bearer <METRICS_BEARER_TOKEN>` when that is set.
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "").strip()
if METRICS_BEARER_TOKEN and len(METRICS_BEARER_TOKEN) < 32:
    raise RuntimeError("METRICS_BEARER_TOKEN must be at least 32 characters (a random token)")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.AcceptAnythingFirst",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # One person typing into autocomplete (a request per keystroke) stays well inside both.
        "suggest": os.environ.get("SUGGEST_RATE", "120/min"),
        "suggest_burst": os.environ.get("SUGGEST_BURST", "30/10s"),
        "orders": os.environ.get("ORDERS_RATE", "6000/min"),
    },
    # For DRF's stock throttles, if one is ever used; ours ask api/client_address.py.
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Aforro order service",
    "DESCRIPTION": "Event-sourced retail orders: commands append events, reads come from "
    "projections. The conventions every endpoint shares (problem+json errors, paging, "
    "min_position read-your-writes, Idempotency-Key, rate limits, X-Request-ID and the "
    "correlation metadata of events) are in the repository's docs/api-reference.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI sections and Postman folders, in this order.
    "TAGS": [
        {"name": "orders", "description": "Place orders and read them back."},
        {"name": "stock", "description": "A store's inventory."},
        {"name": "search", "description": "Product search and title suggestions."},
        {"name": "audit", "description": "Histories straight from the event store."},
        {"name": "catalog (staff)", "description": "Stores, products and stock receipts."},
        {"name": "operations", "description": "Health of the service."},
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema_parameters.allow_empty_query_values",
        "api.request_limits.document_uri_too_long",
    ],
    # One named enum per choice set, whichever fields use it.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "api.schema.ORDER_STATUSES",
        "DependencyStateEnum": "api.schema.DEPENDENCY_STATES",
    },
}

# Production hardening (`manage.py check --deploy`): on whenever DEBUG is off outside the
# embedded mode; TLS is terminated in front of gunicorn, which says so in X-Forwarded-Proto.
if not DEBUG and not EMBEDDED:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Token authentication only, no session or cookie auth (and DRF views are CSRF-exempt):
    # a browser never sends the Authorization header on its own, so CSRF has nothing to forge.
    SILENCED_SYSTEM_CHECKS = ["security.W003"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every line carries the request id (aforro_backend/log_records.py); LOG_FORMAT=json makes each
# one JSON object (python-json-logger) for a log shipper, plain text is for people.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in ("plain", "json"):
    raise RuntimeError(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "aforro_backend.log_records.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "aforro_backend.log_records.PlainFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
