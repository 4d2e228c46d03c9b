"""Which database errors are outages and which are bugs, and the count of each in /metrics.

An outage (the server cannot be reached, a connection broke, a pool or the request's deadline
ran out) is a 503 the client may retry. Any other database error (a missing table, bad data,
a broken constraint) comes from a bug: a 500, logged with its traceback, never dressed up as
an outage.
"""

from __future__ import annotations

import django.db
import eventsourcing.persistence as es
import psycopg
from prometheus_client import Counter

# events.deadline.DeadlineExceeded is a TimeoutError: the request's deadline ran out.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    TimeoutError,
    es.OperationalError,
    es.InterfaceError,
    psycopg.OperationalError,  # psycopg_pool.PoolTimeout among them
    psycopg.InterfaceError,
    django.db.OperationalError,
    django.db.InterfaceError,
)
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    es.PersistenceError,
    psycopg.Error,
    django.db.DatabaseError,
)

DATABASE_ERRORS_TOTAL = Counter(
    "aforro_database_errors",
    "Database errors that reached the HTTP edge, by answer (503 outage, 500 bug) and class",
    ["status", "error"],
)


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, UNAVAILABLE)


def is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def count(exc: BaseException, status: int) -> None:
    DATABASE_ERRORS_TOTAL.labels(str(status), type(exc).__name__).inc()
