"""A cursor whose statements PostgreSQL prepares once per connection, for SQL written by hand on
the hottest read paths (a keystroke's suggestion).

Django binds parameters on the client (psycopg's ClientCursor): PostgreSQL parses and plans
every statement again. A suggestion's statement cost more to plan (about 0.2 ms) than to run
(about 0.1 ms at 1,000 products); prepared, it is parsed once per connection, and after five
runs PostgreSQL may keep a generic plan (it does at 1,000 products; at 100,000 it keeps
planning custom ones, both on the trigram index: docs/decisions/022). Only this cursor binds
on the server: the rest of Django keeps its own.

The cursor is Django's wrapper around psycopg's server-binding cursor, so what Django's cursors
do still happens: the connection's health check and deadline-bounded connect, errors turned into
Django's (marking the connection for the replica router's failover), execute wrappers and the
debug log of queries.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper


class PreparingCursor(psycopg.Cursor):
    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs):
        return super().execute(
            query, params, prepare=True if prepare is None else prepare, **kwargs
        )


def prepared_cursor(db: BaseDatabaseWrapper) -> Any:
    """A cursor of `db` (a Django connection) that prepares its statements on PostgreSQL, a
    plain cursor elsewhere (SQLite has no server to plan)."""
    if db.vendor != "postgresql":
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = PreparingCursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
