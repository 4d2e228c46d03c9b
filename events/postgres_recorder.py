"""The PostgreSQL recorder of the event store: one prepared statement per append.

The library's default insert sends SET LOCAL, LOCK TABLE, NOTIFY and INSERT through a pipeline
inside a transaction (several round trips, and the INSERT composed and planned again on every
call). Its optional database function makes it one call but drops the table lock that keeps
notification ids in commit order, so a tailing reader could skip a late commit. This recorder
installs a function that takes that lock too: called in autocommit mode, the call is its own
transaction and holds the lock until it commits, exactly like the library's default path.
The events travel as one binary array per column rather than the library's array of composite
rows, which psycopg dumps as text with every state escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier, Literal

APPEND_FUNCTION = "aforro_append_events"


class LockedAppendRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        names = {
            "schema": Identifier(datastore.schema),
            "table": Identifier(self.events_table_name),
            "event": Identifier(self.stored_event_type_name),
            "id_type": Identifier(datastore.originator_id_type),
            "function": Identifier(APPEND_FUNCTION),
            "channel": Identifier(self.channel_name),
            "lock_timeout": Literal(f"{datastore.lock_timeout}s"),
        }
        # The earlier signature (one array of composite rows) would linger as an overload.
        self.sql_create_statements.append(
            SQL("DROP FUNCTION IF EXISTS {schema}.{function}({schema}.{event}[])").format(**names)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}(ids {id_type}[], "
                "versions bigint[], topics text[], states bytea[]) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "BEGIN "
                "SET LOCAL lock_timeout = {lock_timeout}; "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
                "RETURN QUERY INSERT INTO {schema}.{table} AS t "
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states) "
                "RETURNING notification_id; "
                "END; $BODY$"
            ).format(**names)
        )
        self._append = SQL(
            "SELECT * FROM {schema}.{function}"
            "(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[])"
        ).format(**names)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        if not stored_events:
            return []
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._append, columns, prepare=True)
            return [row[APPEND_FUNCTION] for row in curs.fetchall()]
