"""Settings of the baseline project: production-like (DEBUG off, persistent connections,
Redis cache), configured by BASELINE_DATABASE_URL / BASELINE_REDIS_URL."""

import os

import dj_database_url

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "baseline-benchmark-only"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["rest_framework", "bench.baseline.shop"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "bench.baseline.urls"
WSGI_APPLICATION = "bench.baseline.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get(
            "BASELINE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aforro_baseline"
        ),
        conn_max_age=600,
        conn_health_checks=True,
    )
}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("BASELINE_REDIS_URL", "redis://127.0.0.1:6379/10"),
        "TIMEOUT": 60,
        "KEY_PREFIX": "baseline",
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "bench.baseline.shop.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
