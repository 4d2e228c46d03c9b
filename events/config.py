"""Where the event store lives (read from Django settings at call time: the test runner renames
the database after settings load) and the read-only application projections use.

The one module of `events` that imports Django (settings and the database connection's
parameters); the rest of the package stays plain Python. Imported by the composition root
(aforro_backend/composition.py) and by projections."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connections
from psycopg.conninfo import make_conninfo

from .store import EventStoreApplication, EventStoreConfig, application_env

_lock = threading.Lock()
_reader: EventStoreApplication | None = None


def event_store_config() -> EventStoreConfig:
    """Read at call time: the test runner renames the database after settings load."""
    connection = connections["default"]
    db = connection.settings_dict
    common = {
        "pool_size": settings.EVENT_STORE_POOL_SIZE,
        "pool_wait_seconds": settings.EVENT_STORE_POOL_WAIT_SECONDS,
        "aggregate_cache_maxsize": settings.AGGREGATE_CACHE_MAXSIZE,
    }
    if connection.vendor == "postgresql":
        postgres = {
            "dbname": db["NAME"],
            "host": db.get("HOST"),
            "port": db.get("PORT"),
            "user": db.get("USER"),
            "password": db.get("PASSWORD"),
        }
        return EventStoreConfig(postgres=postgres, **common)
    return EventStoreConfig(sqlite_path=settings.EVENT_STORE_SQLITE_PATH, **common)


def postgres_conninfo(config: EventStoreConfig) -> str:
    """A libpq connection string that psycopg quotes: a password with a space or a quote in it
    must reach the server as it is."""
    pg = config.postgres or {}
    parts = {
        "dbname": pg.get("dbname"),
        "host": pg.get("host") or "127.0.0.1",
        "port": pg.get("port") or 5432,
        "user": pg.get("user") or "postgres",
        "password": pg.get("password") or None,
    }
    return make_conninfo("", **{k: v for k, v in parts.items() if v})


def event_store_reader() -> EventStoreApplication:
    """The application projections read notifications through (no aggregate cache needed)."""
    global _reader
    if _reader is None:
        with _lock:
            if _reader is None:
                _reader = EventStoreApplication(env=application_env(event_store_config()))
    return _reader


def reset_reader() -> None:
    global _reader
    with _lock:
        if _reader is not None:
            _reader.close()
        _reader = None
