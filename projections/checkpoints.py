"""A projection's checkpoint row, locked for the caller's transaction.

Plain SQL: with the ORM, reading and saving the checkpoint was half of the live projector's CPU
(two statements per batch, each built by the query compiler).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections

from query_side.models import ProjectionCheckpoint

TABLE = ProjectionCheckpoint._meta.db_table


@dataclass
class Checkpoint:
    name: str
    position: int
    event_time: datetime | None = None

    def save(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET position = %s, event_time = %s WHERE name = %s",
                [
                    self.position,
                    connection.ops.adapt_datetimefield_value(self.event_time),
                    self.name,
                ],
            )


def locked_checkpoint(name: str) -> Checkpoint:
    """The checkpoint, created at 0 if new, locked until the transaction ends (PostgreSQL;
    SQLite admits one writer at a time anyway)."""
    connection = connections[DEFAULT_DB_ALIAS]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT position FROM {TABLE} WHERE name = %s{lock}"
    with connection.cursor() as cursor:
        cursor.execute(select, [name])
        row = cursor.fetchone()
        if row is None:
            insert = f"INSERT INTO {TABLE} (name, position) VALUES (%s, 0) ON CONFLICT DO NOTHING"
            cursor.execute(insert, [name])
            cursor.execute(select, [name])
            row = cursor.fetchone()
    return Checkpoint(name, row[0])
