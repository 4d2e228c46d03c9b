"""What every log line carries: the request id (the correlation id bound for the request or the
Celery task, "-" outside both) and, when a log call passes them with `extra=`, the order id and
event position. Plain lines show them as text; LOG_FORMAT=json (python-json-logger) as fields.

Wired into settings.LOGGING (and the Celery worker, aforro_backend/celery.py). May import the
`events` package (the correlation) and the standard library.
"""

from __future__ import annotations

import logging

from events import correlation

# Fields a log call may pass with `extra=` that every format shows.
CONTEXT_FIELDS = ("order_id", "position")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (kept when the call passed its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = correlation.current_id() or "-"
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None and not isinstance(value, int | str):
                setattr(record, name, str(value))  # a UUID shows as its text in JSON too
        return True


class PlainFormatter(logging.Formatter):
    """The configured format, then ` order_id=… position=…` for the context fields passed."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if hasattr(record, name)
        )
        line = super().formatMessage(record)
        return f"{line} {context}" if context else line
