"""The one composition root: builds the event-sourced application and command context lazily
from Django settings, once per process. Tests call `reset()` to build fresh ones."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connections

from command_side.application import OrderingApplication
from command_side.context import CommandContext
from command_side.locks import AdvisoryWriterLocks, NoWriterLocks
from events.store import EventStoreConfig, application_env

_lock = threading.Lock()
_context: CommandContext | None = None


def event_store_config() -> EventStoreConfig:
    """Read at call time: the test runner renames the database after settings load."""
    db = connections["default"].settings_dict
    common = {
        "pool_size": settings.EVENT_STORE_POOL_SIZE,
        "aggregate_cache_maxsize": settings.AGGREGATE_CACHE_MAXSIZE,
    }
    if db["ENGINE"] == "django.db.backends.postgresql":
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
    pg = config.postgres or {}
    parts = {
        "dbname": pg.get("dbname"),
        "host": pg.get("host") or "127.0.0.1",
        "port": pg.get("port") or 5432,
        "user": pg.get("user") or "postgres",
        "password": pg.get("password") or None,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def command_context() -> CommandContext:
    global _context
    if _context is None:
        with _lock:
            if _context is None:
                config = event_store_config()
                app = OrderingApplication(env=application_env(config))
                locks = (
                    AdvisoryWriterLocks(postgres_conninfo(config))
                    if config.is_postgres
                    else NoWriterLocks()
                )
                _context = CommandContext(app, locks, max_attempts=settings.ORDER_MAX_ATTEMPTS)
    return _context


def reset() -> None:
    """Close and forget what was built, so the next call builds afresh (tests, forks)."""
    global _context
    with _lock:
        if _context is not None:
            _context.locks.close()
            _context.app.close()
        _context = None
