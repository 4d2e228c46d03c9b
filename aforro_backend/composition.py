"""The one composition root: builds the event-sourced application and command context lazily
from Django settings, once per process. Tests call `reset()` to build fresh ones."""

from __future__ import annotations

import threading

from django.conf import settings

from command_side.application import OrderingApplication
from command_side.context import CommandContext
from command_side.locks import AdvisoryWriterLocks, NoWriterLocks
from events.config import event_store_config, postgres_conninfo, reset_reader
from events.store import application_env

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


def reset() -> None:
    """Close and forget what was built, so the next call builds afresh (tests, forks)."""
    global _context
    with _lock:
        if _context is not None:
            _context.locks.close()
            _context.app.close()
        _context = None
    reset_reader()
