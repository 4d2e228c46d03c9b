"""The one composition root: builds the event-sourced application and command context lazily
from Django settings, once per process. Tests call `reset()` to build fresh ones. It also hands
the HTTP edge what only the projections package knows (the api layer never imports it)."""

from __future__ import annotations

import threading

from django.conf import settings

from command_side.application import OrderingApplication
from command_side.context import CommandContext
from command_side.locks import AdvisoryWriterLocks, NoWriterLocks
from events.store import application_env
from projections.registry import projection_names as registered_projection_names

from .event_store import event_store_config, postgres_conninfo, reset_reader

_lock = threading.Lock()
_context: CommandContext | None = None


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


def projection_names() -> list[str]:
    """Every projection a worker runs, the notifier included: what /health/ reports on. From
    the registry itself, so a new projector shows in /health/ without a second list to edit."""
    return registered_projection_names()


def reset() -> None:
    """Close and forget what was built, so the next call builds afresh (tests, forks)."""
    global _context
    with _lock:
        if _context is not None:
            _context.locks.close()
            _context.app.close()
        _context = None
    reset_reader()
