"""Is the event store's schema there? Serving processes build the application without creating
tables (`manage.py migrate` creates them, projections/event_store_schema.py); one built against
a database nobody migrated fails at once, with a message that says what to do, instead of a
cryptic "relation does not exist" on its first append.
May import only eventsourcing and this package.
"""

from __future__ import annotations

from typing import Any

import eventsourcing.persistence as es
from eventsourcing.postgres import PostgresDatastore

from .postgres_recorder import APPEND_FUNCTION


class EventStoreNotMigrated(es.OperationalError):
    """The event store's tables are missing. An OperationalError: the HTTP edge answers 503
    (and /health/ names the event store unavailable) until `migrate` ran, with no restart."""


def check_schema(app: Any) -> None:
    """Raise EventStoreNotMigrated when a table (or the append function) is missing."""
    recorders = [app.recorder]
    if app.snapshots is not None:
        recorders.append(app.snapshots.recorder)
    wanted = {recorder.events_table_name for recorder in recorders}
    datastore = app.recorder.datastore
    if isinstance(datastore, PostgresDatastore):
        found = _postgres_objects(datastore, sorted(wanted))
        wanted.add(APPEND_FUNCTION)
        where = f"PostgreSQL schema {datastore.schema!r}"
    else:
        with datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            found = {row[0] for row in cursor.fetchall()}
        where = f"SQLite file {datastore.pool.db_name!r}"
    missing = sorted(wanted - found)
    if missing:
        raise EventStoreNotMigrated(
            f"the event store's schema is missing from the {where} ({', '.join(missing)}): "
            "run `python manage.py migrate` (it creates the event store's tables)"
        )


def _postgres_objects(datastore: PostgresDatastore, tables: list[str]) -> set[str]:
    query = (
        "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = ANY(%s) "
        "UNION SELECT p.proname FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.proname = %s"
    )
    schema = datastore.schema
    with datastore.get_connection() as conn:
        rows = conn.execute(query, (schema, tables, schema, APPEND_FUNCTION))
        return {row["name"] for row in rows.fetchall()}
